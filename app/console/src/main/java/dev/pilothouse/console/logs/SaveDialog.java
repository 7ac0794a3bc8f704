package dev.pilothouse.console.logs;

import javafx.stage.Window;

import java.nio.file.Path;
import java.util.Optional;

/** Asks where to save a log. The default is a native file chooser; tests supply a path. */
@FunctionalInterface
public interface SaveDialog {
    /** The file to write, or empty when the operator cancelled. Called on the FX thread. */
    Optional<Path> choose(Window owner, String suggestedName);
}
