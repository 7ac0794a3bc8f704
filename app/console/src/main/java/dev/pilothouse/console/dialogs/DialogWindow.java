package dev.pilothouse.console.dialogs;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.Themes;
import dev.pilothouse.session.Validation;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** A modal window whose content comes from an FXML file in {@code fxml/}, controlled by the dialog object. */
abstract class DialogWindow {
    /**
     * What is wrong with {@code name} for a new session in {@code context} (not a valid name, or a
     * live session there has it), as the dialog shows it; null when it can be used.
     */
    static String nameProblem(Console console, String name, String context) {
        try {
            Validation.name("session", name);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        boolean taken = console.sessions().sessions().stream()
                .anyMatch(s -> !s.deleted() && s.name().equals(name) && s.context().equals(context));
        return taken ? "A live session named '" + name + "' already exists in context " + context + "." : null;
    }

    /** The path typed in {@code field}, made absolute; null when there is none or it is not a path here. */
    static Path pathIn(TextField field) {
        String t = field.getText() == null ? "" : field.getText().strip();
        if (t.isEmpty()) {
            return null;
        }
        try {
            return Path.of(t).toAbsolutePath();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    protected final Stage stage = new Stage();

    protected DialogWindow(Window owner, String fxml, String title, boolean dark) {
        FXMLLoader loader = new FXMLLoader(DialogWindow.class.getResource("/fxml/" + fxml));
        loader.setController(this);
        Parent root;
        try {
            root = loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load /fxml/" + fxml, e);
        }
        Scene scene = new Scene(root);
        Themes.style(scene, dark);
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) {
                stage.close();
            }
        });
        stage.setScene(scene);
        stage.setTitle(title);
        if (owner != null) {
            stage.initOwner(owner);
            stage.initModality(Modality.WINDOW_MODAL);
        }
    }

    /** A message that wraps to more lines grows the window with it, so the buttons below stay in view. */
    protected void growWith(javafx.scene.control.Labeled... messages) {
        for (javafx.scene.control.Labeled m : messages) {
            m.textProperty().addListener((o, a, b) -> {
                if (stage.isShowing()) {
                    stage.sizeToScene();
                }
            });
        }
    }

    public Stage stage() {
        return stage;
    }
}
