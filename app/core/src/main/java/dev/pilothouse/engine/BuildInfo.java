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
        return properties().getProperty("version", "development build");
    }

    /**
     * The version and the time of the build: a CLI process hands its commands only to an engine
     * of the same build, so a rebuilt or upgraded CLI never talks to an engine of older code.
     */
    public static String build() {
        return properties().getProperty("build", version());
    }

    private static java.util.Properties properties() {
        java.util.Properties p = new java.util.Properties();
        try (java.io.InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            // no build information: a development build
        }
        return p;
    }

    /** Where the console and the CLI write their rotating log file. */
    public static java.nio.file.Path logDir(java.nio.file.Path dataDir) {
        return dataDir.resolve("logs");
    }
}
