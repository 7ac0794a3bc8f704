package dev.pilothouse.cli;

import picocli.CommandLine;

/** The version from the jar's manifest (the Maven project version). */
public final class Version implements CommandLine.IVersionProvider {
    public static String current() {
        return dev.pilothouse.engine.BuildInfo.version();
    }

    @Override
    public String[] getVersion() {
        return new String[]{"pilothouse " + current(), "Java " + System.getProperty("java.version")
                + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
