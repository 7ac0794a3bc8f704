package dev.pilothouse.console.files;

import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where a download goes and which files an upload takes: native choosers; tests supply paths. */
public interface FileDialogs {
    /** The file to write, or empty when the operator cancelled. Called on the FX thread. */
    Optional<Path> saveAs(Window owner, String suggestedName);

    /** The files to upload; empty when the operator cancelled. Called on the FX thread. */
    List<Path> open(Window owner);

    /** The platform's file choosers. */
    static FileDialogs platform() {
        return new FileDialogs() {
            @Override
            public Optional<Path> saveAs(Window owner, String suggestedName) {
                FileChooser chooser = new FileChooser();
                chooser.setTitle("Download");
                chooser.setInitialFileName(suggestedName);
                return Optional.ofNullable(chooser.showSaveDialog(owner)).map(File::toPath);
            }

            @Override
            public List<Path> open(Window owner) {
                FileChooser chooser = new FileChooser();
                chooser.setTitle("Upload files");
                List<File> files = chooser.showOpenMultipleDialog(owner);
                return files == null ? List.of() : files.stream().map(File::toPath).toList();
            }
        };
    }
}
