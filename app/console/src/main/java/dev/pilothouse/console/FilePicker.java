package dev.pilothouse.console;

import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Asks the operator for one file to write or to read (a bundle to export to, one to import). The
 * application uses the desktop's native choosers; tests pass one that answers with a path, since a
 * headless toolkit has none. Called on the FX thread.
 */
public interface FilePicker {
    /** The file to write, starting at {@code suggested} (its folder and name); empty when cancelled. */
    Optional<Path> saveAs(Window owner, String title, Path suggested);

    /** The file to read, starting in {@code folder}; empty when cancelled. */
    Optional<Path> open(Window owner, String title, Path folder);

    /** The platform's file choosers. */
    static FilePicker platform() {
        return new FilePicker() {
            @Override
            public Optional<Path> saveAs(Window owner, String title, Path suggested) {
                FileChooser chooser = chooser(title, suggested.getParent());
                chooser.setInitialFileName(suggested.getFileName().toString());
                return Optional.ofNullable(chooser.showSaveDialog(owner)).map(File::toPath);
            }

            @Override
            public Optional<Path> open(Window owner, String title, Path folder) {
                return Optional.ofNullable(chooser(title, folder).showOpenDialog(owner)).map(File::toPath);
            }

            private FileChooser chooser(String title, Path folder) {
                FileChooser chooser = new FileChooser();
                chooser.setTitle(title);
                if (folder != null && Files.isDirectory(folder)) {
                    chooser.setInitialDirectory(folder.toFile());
                }
                return chooser;
            }
        };
    }
}
