package dev.pilothouse.engine;

/** What was built: the version from the jar's manifest (the Maven project version). */
public final class BuildInfo {
    private BuildInfo() {
    }

    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        // run from target/classes: the build writes the version into build.properties
        try (java.io.InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "development build");
        } catch (java.io.IOException e) {
            return "development build";
        }
    }

    /** Where the console and the CLI write their rotating log file. */
    public static java.nio.file.Path logDir(java.nio.file.Path dataDir) {
        return dataDir.resolve("logs");
    }
}
