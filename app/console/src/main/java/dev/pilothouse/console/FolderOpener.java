package dev.pilothouse.console;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Opens a folder in the desktop's file manager. The application passes its HostServices; tests
 * pass a recorder, since a headless toolkit has no desktop to open anything in.
 */
@FunctionalInterface
public interface FolderOpener {
    /** Opens the folder; false when nothing on this desktop can (the caller then says where it is). */
    boolean open(Path folder);

    /** The openers HostServices tries on Linux and other Unix desktops. */
    List<String> UNIX_OPENERS = List.of("xdg-open", "gio", "gnome-open", "kde-open", "exo-open");

    /**
     * Whether HostServices can hand a folder to something on this desktop: always on Windows and
     * macOS; elsewhere only with a display and one of {@link #UNIX_OPENERS} on the PATH (without
     * them HostServices does nothing, and says nothing).
     */
    static boolean desktopCanOpen(String osName, Map<String, String> env) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        if (os.contains("win") || os.contains("mac")) {
            return true;
        }
        if (env.get("DISPLAY") == null && env.get("WAYLAND_DISPLAY") == null) {
            return false;
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            for (String opener : UNIX_OPENERS) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, opener))) {
                    return true;
                }
            }
        }
        return false;
    }
}
