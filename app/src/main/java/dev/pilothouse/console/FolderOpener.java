package dev.pilothouse.console;

import java.nio.file.Path;

/**
 * Opens a folder in the desktop's file manager. The application passes its HostServices; tests
 * pass a recorder, since a headless toolkit has no desktop to open anything in.
 */
@FunctionalInterface
public interface FolderOpener {
    void open(Path folder);
}
