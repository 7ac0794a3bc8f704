package dev.pilothouse.console.dialogs;

import dev.pilothouse.console.Console;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.Validation;
import dev.pilothouse.template.StoredTemplate;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.stage.Window;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Save as template…" (fxml/save-template.fxml): asks for a name, shows the document the engine makes
 * of the session, and stores exactly that; a name already used becomes its next version, and the
 * dialog says so before anything is saved.
 */
public final class SaveTemplateDialog extends DialogWindow {
    @FXML private Label title;
    @FXML private TextField name;
    @FXML private Label nameMessage;
    @FXML private Label versionNote;
    @FXML private TextArea yaml;
    @FXML private Label error;
    @FXML private Button cancel;
    @FXML private Button save;

    private final Console console;
    private final Session session;
    private final Map<String, Integer> versions = new LinkedHashMap<>();
    /** The name the preview was made for: what Save stores is the preview shown. */
    private String previewFor;

    public SaveTemplateDialog(Console console, Window owner, boolean dark, Session session) {
        super(owner, "save-template.fxml", "Save as template", dark);
        this.console = console;
        this.session = session;
        title.setText("Save '" + session.name() + "' as a template");
        save.setDisable(true);
        // an empty message takes no room
        nameMessage.managedProperty().bind(nameMessage.textProperty().isNotEmpty());
        versionNote.managedProperty().bind(versionNote.textProperty().isNotEmpty());
        name.textProperty().addListener((o, a, b) -> nameChanged());
        cancel.setOnAction(e -> stage.close());
        save.setOnAction(e -> submit());
        console.run("list the templates", () -> console.engine().templates(), list -> {
            list.forEach(t -> versions.put(t.name(), t.version()));
            note();
        });
        name.setText(session.name());
    }

    public void show() {
        stage.show();
        name.requestFocus();
        name.selectAll();
    }

    private String typed() {
        return name.getText() == null ? "" : name.getText().strip();
    }

    private void nameChanged() {
        String n = typed();
        previewFor = null;
        save.setDisable(true);
        error.setText("");
        try {
            Validation.name("template", n);
            nameMessage.setText("");
        } catch (RuntimeException e) {
            nameMessage.setText(n.isEmpty() ? "Give the template a name: lowercase letters, digits and '-', at most 63."
                    : e.getMessage());
            versionNote.setText("");
            return;
        }
        note();
        // made by the engine, in order: the last name typed is the preview that stays
        console.runInOrder(() -> console.engine().templateOf(session.id(), n), text -> {
            if (n.equals(typed())) {
                yaml.setText(text);
                previewFor = n;
                save.setDisable(false);
            }
        }, message -> {
            if (n.equals(typed())) {
                yaml.setText("");
                error.setText(message);
            }
        });
    }

    private void note() {
        String n = typed();
        Integer v = versions.get(n);
        versionNote.setText(!nameMessage.getText().isEmpty() || n.isEmpty() ? ""
                : v == null ? "A new template: version 1."
                : "A template named '" + n + "' exists (version " + v + "): saving makes this its version " + (v + 1)
                + "; sessions keep the version they were made from.");
    }

    private void submit() {
        String n = previewFor;
        String text = yaml.getText();
        if (n == null || !n.equals(typed())) {
            return;
        }
        save.setDisable(true);
        console.run(() -> console.engine().applyTemplate(text), applied -> {
            StoredTemplate t = applied.stored();
            List<String> missing = applied.missingAgents();
            stage.close();
            console.notifier().info("Saved template " + t.name() + " version " + t.version() + "."
                    + (missing.isEmpty() ? "" : " Its agents " + String.join(", ", missing) + " are not registered: "
                    + "sessions can be made from it once they are."));
        }, message -> {
            error.setText(message);
            save.setDisable(false);
        });
    }
}
