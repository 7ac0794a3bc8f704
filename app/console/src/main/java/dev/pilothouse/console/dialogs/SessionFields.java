package dev.pilothouse.console.dialogs;

import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Validation;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.fxml.FXML;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import org.controlsfx.control.CheckListView;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Controller of fxml/session-fields.fxml: the settings a new session and a remix share. Every
 * edit is validated at once with the engine's own rules, and the message appears under the field.
 */
public final class SessionFields {
    @FXML private CheckListView<String> agents;
    @FXML private Label agentsMessage;
    @FXML private TextArea prompt;
    @FXML private Label promptMessage;
    @FXML private TextField waiting;
    @FXML private Label waitingMessage;
    @FXML private TextField ttl;
    @FXML private Label ttlMessage;
    @FXML private TextArea metadata;
    @FXML private Label metadataMessage;
    @FXML private TextField cpu;
    @FXML private TextField memory;
    @FXML private TextField storage;
    @FXML private Label resourcesMessage;

    private boolean filling;
    /** Agents in the order they were ticked: the first gets the starting prompt. */
    private final List<String> order = new ArrayList<>();
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(false);
    private Runnable onChange = () -> {
    };

    /** The values as entered; null where the field is left to its default. */
    public record Values(List<String> agents, String prompt, Long waitingSeconds, Long ttlSeconds, String metadata,
                         Resources resources) {
    }

    @FXML
    void initialize() {
        // ControlsFX's check list: the order agents are ticked in is kept (the first gets the prompt)
        agents.getCheckModel().getCheckedItems().addListener((javafx.collections.ListChangeListener<String>) c -> {
            if (filling) {
                return;
            }
            while (c.next()) {
                c.getRemoved().forEach(order::remove);
                c.getAddedSubList().stream().filter(a -> !order.contains(a)).forEach(order::add);
            }
            order.retainAll(agents.getCheckModel().getCheckedItems());
            changed();
        });
        for (TextField f : List.of(waiting, ttl, cpu, memory, storage)) {
            f.textProperty().addListener((o, a, b) -> changed());
        }
        prompt.textProperty().addListener((o, a, b) -> changed());
        metadata.textProperty().addListener((o, a, b) -> changed());
    }

    /** Runs after every edit (the remix dialog refreshes its summary). */
    public void onChange(Runnable r) {
        this.onChange = r;
    }

    public ReadOnlyBooleanProperty validProperty() {
        return valid.getReadOnlyProperty();
    }

    /** Offers {@code available} agents, with {@code preselected} ticked in that order. */
    public void setAgents(List<String> available, List<String> preselected) {
        filling = true;
        try {
            order.clear();
            List<String> all = new ArrayList<>(preselected);
            available.stream().filter(a -> !all.contains(a)).forEach(all::add);
            agents.getCheckModel().clearChecks();
            agents.getItems().setAll(all);
            preselected.forEach(a -> agents.getCheckModel().check(a));
            order.addAll(preselected);
        } finally {
            filling = false;
        }
        changed();
    }

    /** Ticks or unticks an agent (tests, keyboard users). */
    public void setAgentChecked(String name, boolean on) {
        if (agents.getItems().contains(name)) {
            if (on) {
                agents.getCheckModel().check(name);
            } else {
                agents.getCheckModel().clearCheck(name);
            }
        }
    }

    public void prefill(String promptText, long waitingSeconds, long ttlSeconds, String metadataJson, Resources r) {
        prompt.setText(promptText);
        waiting.setText(Long.toString(waitingSeconds));
        ttl.setText(Long.toString(ttlSeconds));
        metadata.setText(metadataJson.equals("{}") ? "" : dev.pilothouse.json.Json.pretty(dev.pilothouse.json.Json.parse(metadataJson)));
        cpu.setText(r.cpu());
        memory.setText(r.memory());
        storage.setText(r.storage());
    }

    /**
     * A template's values: its agents, prompt and metadata are shown and not edited here (the template
     * gives them, with its parameters filled in); the waiting timeout, TTL and resources are defaults to
     * override. Null fields show the engine's defaults.
     */
    public void fromTemplate(List<String> available, List<String> templateAgents, Long waitingSeconds, Long ttlSeconds,
                             Resources r) {
        setAgents(available, templateAgents);
        // not disabled: a disabled list that holds the focus trips JavaFX's focus traversal (VirtualFlow NPE)
        locked(true);
        prompt.setEditable(false);
        metadata.setEditable(false);
        prompt.setTooltip(new Tooltip("Given by the template, with its parameters filled in"));
        metadata.setTooltip(new Tooltip("Given by the template, with its parameters filled in"));
        waiting.setText(waitingSeconds == null ? "" : Long.toString(waitingSeconds));
        ttl.setText(ttlSeconds == null ? "" : Long.toString(ttlSeconds));
        cpu.setText(r == null ? "" : nonNull(r.cpu()));
        memory.setText(r == null ? "" : nonNull(r.memory()));
        storage.setText(r == null ? "" : nonNull(r.storage()));
    }

    /** The template's prompt and metadata as they will be sent: shown read-only. */
    public void showFromTemplate(String promptText, String metadataJson) {
        // only when it differs: each change runs the dialog's check, which calls this again
        String p = promptText == null ? "" : promptText;
        String m = metadataJson == null || metadataJson.equals("{}") ? "" : Json.pretty(Json.parse(metadataJson));
        if (!p.equals(prompt.getText())) {
            prompt.setText(p);
        }
        if (!m.equals(metadata.getText())) {
            metadata.setText(m);
        }
    }

    /** Back from a template: every field the operator's again, emptied. */
    public void clearTemplate(List<String> available, List<String> preselected) {
        locked(false);
        prompt.setEditable(true);
        metadata.setEditable(true);
        prompt.setTooltip(null);
        metadata.setTooltip(null);
        for (TextField f : List.of(waiting, ttl, cpu, memory, storage)) {
            f.setText("");
        }
        prompt.setText("");
        metadata.setText("");
        setAgents(available, preselected);
    }

    private void locked(boolean on) {
        agents.setMouseTransparent(on);
        agents.setFocusTraversable(!on);
        agents.setOpacity(on ? 0.7 : 1);
        agents.setTooltip(on ? new Tooltip("Given by the template") : null);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    public List<String> selectedAgents() {
        return List.copyOf(order);
    }

    private void changed() {
        validate();
        onChange.run();
    }

    /** The values, or null when a field is invalid (each message is shown under its field). */
    public Values validate() {
        boolean ok = true;
        agentsMessage.setText(order.isEmpty() ? "Tick at least one agent; the first one ticked gets the starting prompt." : "");
        ok &= !order.isEmpty();
        String p = prompt.getText() == null ? "" : prompt.getText();
        if (p.length() > Validation.MAX_PROMPT_CHARS) {
            promptMessage.getStyleClass().setAll("label", "inline-error");
            promptMessage.setText(p.length() + " characters; the limit is " + Validation.MAX_PROMPT_CHARS);
            ok = false;
        } else {
            promptMessage.getStyleClass().setAll("label", "muted");
            promptMessage.setText(p.isEmpty() ? "" : p.length() + " / " + Validation.MAX_PROMPT_CHARS + " characters");
        }
        Long w = check(waitingMessage, () -> blank(waiting) ? null
                : (long) Validation.waitingTimeout(Validation.duration("waiting timeout", waiting.getText())));
        Long t = check(ttlMessage, () -> blank(ttl) ? null : Validation.ttl(Validation.duration("TTL", ttl.getText())));
        String m = check(metadataMessage, () -> blank(metadata) ? null : Validation.metadata(metadata.getText()));
        Resources r = check(resourcesMessage, () -> blank(cpu) && blank(memory) && blank(storage) ? null
                : Validation.resources(new Resources(text(cpu), text(memory), text(storage))));
        ok &= waitingMessage.getText().isEmpty() && ttlMessage.getText().isEmpty() && metadataMessage.getText().isEmpty()
                && resourcesMessage.getText().isEmpty();
        valid.set(ok);
        return ok ? new Values(List.copyOf(order), p, w, t, m, r) : null;
    }

    private interface Check<T> {
        T get();
    }

    private static <T> T check(Label message, Check<T> c) {
        try {
            T v = c.get();
            message.setText("");
            return v;
        } catch (RuntimeException e) {
            message.setText(e.getMessage());
            return null;
        }
    }

    private static boolean blank(TextField f) {
        return f.getText() == null || f.getText().isBlank();
    }

    private static boolean blank(TextArea f) {
        return f.getText() == null || f.getText().isBlank();
    }

    private static String text(TextField f) {
        return blank(f) ? null : f.getText().trim();
    }
}
