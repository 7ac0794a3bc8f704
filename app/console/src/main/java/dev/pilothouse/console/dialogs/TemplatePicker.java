package dev.pilothouse.console.dialogs;

import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.StoredTemplate;
import dev.pilothouse.template.TemplateParser;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "From template" in the New session dialog: a choice of the stored templates (latest versions) and,
 * for the one chosen, a field per parameter with its default as prompt text and its description
 * under it. Everything here is read from the template already fetched: no engine call.
 */
final class TemplatePicker {
    static final String NONE = "None: set everything below";
    static final String NO_TEMPLATES = "No templates yet (Save as template… on a session)";

    /** The template chosen, as stored and as read. */
    record Chosen(StoredTemplate stored, SessionTemplate template) {
    }

    private final VBox root = new VBox(4);
    private final ComboBox<String> choice = new ComboBox<>();
    private final Label info = new Label();
    private final GridPane params = new GridPane();
    private final Label message = new Label();
    private final Map<String, StoredTemplate> byName = new LinkedHashMap<>();
    private final Map<String, TextField> fields = new LinkedHashMap<>();
    private Chosen chosen;
    private Runnable onChoice = () -> {
    };
    private Runnable onChange = () -> {
    };

    TemplatePicker() {
        choice.setId("template-choice");
        choice.getItems().setAll(NONE);
        choice.getSelectionModel().select(NONE);
        choice.setMaxWidth(Double.MAX_VALUE);
        choice.valueProperty().addListener((o, a, b) -> chose(b));
        info.setId("template-info");
        info.getStyleClass().add("muted");
        info.setWrapText(true);
        info.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        params.setId("template-parameters");
        params.setHgap(8);
        params.setVgap(2);
        message.setId("template-message");
        message.getStyleClass().add("inline-error");
        message.setWrapText(true);
        message.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        root.getChildren().addAll(choice, info, params, message);
        show(info, false);
    }

    VBox node() {
        return root;
    }

    /** Runs when another template (or none) is chosen. */
    void onChoice(Runnable r) {
        this.onChoice = r;
    }

    /** Runs after every edit of a parameter. */
    void onChange(Runnable r) {
        this.onChange = r;
    }

    void setTemplates(List<StoredTemplate> templates) {
        byName.clear();
        templates.forEach(t -> byName.put(t.name(), t));
        List<String> items = new ArrayList<>();
        items.add(NONE);
        items.addAll(byName.keySet());
        if (byName.isEmpty()) {
            items.set(0, NO_TEMPLATES);
        }
        choice.getItems().setAll(items);
        choice.setDisable(byName.isEmpty());
        choice.getSelectionModel().select(0);
    }

    /** Chooses a template by name (tests, keyboard users). */
    void choose(String name) {
        choice.getSelectionModel().select(name);
    }

    /** The template chosen, or null. */
    Chosen chosen() {
        return chosen;
    }

    /** The values typed; a parameter left empty takes its default. */
    Map<String, String> values() {
        Map<String, String> out = new LinkedHashMap<>();
        fields.forEach((name, f) -> {
            if (f.getText() != null && !f.getText().isEmpty()) {
                out.put(name, f.getText());
            }
        });
        return out;
    }

    /**
     * The template's prompt and metadata with the values filled in, or null while a required parameter
     * is empty or a value is refused (the message says which and why).
     */
    TemplateParser.Resolved resolved() {
        if (chosen == null) {
            message.setText("");
            return null;
        }
        List<String> missing = new ArrayList<>();
        for (SessionTemplate.Parameter p : chosen.template().parameters()) {
            TextField f = fields.get(p.name());
            if (p.required() && (f.getText() == null || f.getText().isEmpty())) {
                missing.add(p.name() + (p.description() == null ? "" : " (" + p.description() + ")"));
            }
        }
        if (!missing.isEmpty()) {
            message.setText("Fill in " + String.join(", ", missing) + ": the template has no default for "
                    + (missing.size() == 1 ? "it" : "them") + ".");
            return null;
        }
        try {
            TemplateParser.Resolved r = TemplateParser.resolve(chosen.template(), values());
            message.setText("");
            return r;
        } catch (RuntimeException e) {
            message.setText(e.getMessage());
            return null;
        }
    }

    private void chose(String name) {
        fields.clear();
        params.getChildren().clear();
        StoredTemplate stored = name == null ? null : byName.get(name);
        chosen = null;
        if (stored != null) {
            try {
                chosen = new Chosen(stored, stored.template());
            } catch (RuntimeException e) {
                message.setText("Template '" + name + "' cannot be read: " + e.getMessage());
            }
        }
        if (chosen != null) {
            SessionTemplate t = chosen.template();
            info.setText("Version " + stored.version() + " · agents " + String.join(", ", t.agentNames())
                    + (t.parameters().isEmpty() ? " · no parameters" : "") + ". The template gives the agents, the "
                    + "prompt and the metadata; the other fields are its values, to change if you like.");
            int row = 0;
            for (SessionTemplate.Parameter p : t.parameters()) {
                Label label = new Label(p.name() + (p.required() ? " *" : ""));
                label.getStyleClass().add("form-label");
                label.setMinWidth(120);
                TextField f = new TextField();
                f.setId("param-" + p.name());
                f.setPromptText(p.required() ? "required" : "default: " + p.defaultValue());
                String tip = (p.description() == null ? p.name() : p.description())
                        + (p.required() ? " (required)" : " (default: " + p.defaultValue() + ")");
                f.setTooltip(new Tooltip(tip));
                label.setTooltip(new Tooltip(tip));
                GridPane.setHgrow(f, Priority.ALWAYS);
                f.textProperty().addListener((o, a, b) -> onChange.run());
                params.add(label, 0, row);
                params.add(f, 1, row++);
                if (p.description() != null) {
                    Label d = new Label(p.description());
                    d.getStyleClass().add("muted");
                    d.setWrapText(true);
                    params.add(d, 1, row++);
                }
                fields.put(p.name(), f);
            }
        } else {
            message.setText("");
        }
        show(info, chosen != null);
        onChoice.run();
    }

    /** Sets a parameter's value (tests, keyboard users). */
    void setValue(String parameter, String value) {
        TextField f = fields.get(parameter);
        if (f != null) {
            f.setText(value);
        }
    }

    private static void show(javafx.scene.Node n, boolean on) {
        n.setVisible(on);
        n.setManaged(on);
    }
}
