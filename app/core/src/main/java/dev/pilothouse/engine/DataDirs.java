package dev.pilothouse.engine;

import java.nio.file.Path;
import java.util.Map;

/** Where the data dir is: the flag, else PILOTHOUSE_HOME, else the platform's place for app data. */
public final class DataDirs {
    private DataDirs() {
    }

    /**
     * Why {@code dir} cannot be used as the data dir (creating it if needed), or null when it can.
     */
    public static String problem(Path dir) {
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            return "the data dir " + dir + " is a file, not a directory; give a directory with --data-dir "
                    + "or PILOTHOUSE_HOME (it is created if missing)";
        }
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            return "cannot create the data dir " + dir + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); give a writable directory with --data-dir or PILOTHOUSE_HOME";
        }
        if (!java.nio.file.Files.isWritable(dir)) {
            return "the data dir " + dir + " is not writable; give a writable directory with --data-dir or PILOTHOUSE_HOME";
        }
        return null;
    }

    public static Path resolve(String flag) {
        // $HOME first, as XDG tools do (user.home comes from the password database)
        String home = System.getenv("HOME");
        return resolve(flag, System.getenv(), System.getProperty("os.name", ""),
                home != null && Path.of(home).isAbsolute() ? home : System.getProperty("user.home"));
    }

    static Path resolve(String flag, Map<String, String> env, String os, String home) {
        if (flag != null && !flag.isBlank()) {
            return Path.of(flag).toAbsolutePath();
        }
        String explicit = env.get("PILOTHOUSE_HOME");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        if (os.startsWith("Mac")) {
            return Path.of(home, "Library", "Application Support", "Pilothouse");
        }
        if (os.startsWith("Windows")) {
            String local = env.get("LOCALAPPDATA");
            return local != null ? Path.of(local, "Pilothouse") : Path.of(home, "AppData", "Local", "Pilothouse");
        }
        String xdg = env.get("XDG_DATA_HOME");
        return xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg, "pilothouse")
                : Path.of(home, ".local", "share", "pilothouse");
    }
}
