package dev.pilothouse.console.dialogs;

import dev.pilothouse.guardrails.GuardrailSpec;
import dev.pilothouse.guardrails.Guardrails;
import javafx.geometry.Pos;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guardrails of a new session (docs/guardrails.md): one tick per guardrail with its options as
 * the CLI writes them after the colon. Checked with the engine's own parser as they are typed; the
 * message says what is wrong and what is accepted.
 */
final class GuardrailFields {
    private static final Map<String, String> EXAMPLES = Map.of(
            GuardrailSpec.NO_PII_EXPOSURE, "action=redact, kinds=email+phone",
            GuardrailSpec.RATE_LIMITING, "session=30, agent=off",
            GuardrailSpec.MAX_MESSAGE_SIZE, "chars=20000");
    private static final Map<String, String> WHAT = Map.of(
            GuardrailSpec.NO_PII_EXPOSURE, "Personal data and secrets, blocked or redacted, both ways",
            GuardrailSpec.RATE_LIMITING, "Messages a minute per session and per agent, with a burst",
            GuardrailSpec.MAX_MESSAGE_SIZE, "The most characters a message may have, both ways");

    private final VBox root = new VBox(2);
    private final Map<String, CheckBox> ticks = new LinkedHashMap<>();
    private final Map<String, TextField> options = new LinkedHashMap<>();
    private final Label extra = new Label();
    private final Label message = new Label();
    /** Specs a template gave that one row per guardrail cannot show (a guardrail given twice); kept as they are. */
    private final List<String> others = new ArrayList<>();
    private Runnable onChange = () -> {
    };

    GuardrailFields() {
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(4);
        int row = 0;
        for (String name : GuardrailSpec.NAMES) {
            CheckBox tick = new CheckBox(name);
            tick.setId("guard-" + name);
            tick.setTooltip(new Tooltip(WHAT.get(name)));
            tick.setMinWidth(150);
            TextField opts = new TextField();
            opts.setId("guard-" + name + "-options");
            opts.setPromptText(EXAMPLES.get(name));
            opts.setTooltip(new Tooltip("Options, as after the colon of --guardrail " + name + ":… (e.g. "
                    + EXAMPLES.get(name) + "); empty for the defaults. docs/guardrails.md lists them all."));
            opts.disableProperty().bind(tick.selectedProperty().not());
            GridPane.setHgrow(opts, Priority.ALWAYS);
            tick.selectedProperty().addListener((o, a, b) -> changed());
            opts.textProperty().addListener((o, a, b) -> changed());
            grid.addRow(row++, tick, opts);
            ticks.put(name, tick);
            options.put(name, opts);
        }
        grid.getChildren().forEach(n -> GridPane.setValignment(n, javafx.geometry.VPos.CENTER));
        extra.getStyleClass().add("muted");
        extra.setWrapText(true);
        extra.setManaged(false);
        extra.setVisible(false);
        message.setId("guardrails-message");
        message.getStyleClass().add("inline-error");
        message.setWrapText(true);
        message.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        root.setAlignment(Pos.TOP_LEFT);
        root.getChildren().addAll(grid, extra, message);
    }

    VBox node() {
        return root;
    }

    void onChange(Runnable r) {
        this.onChange = r;
    }

    /** Shows {@code specs} (a template's): each ticked with its options; none ticked for an empty list. */
    void set(List<String> specs) {
        others.clear();
        ticks.values().forEach(t -> t.setSelected(false));
        options.values().forEach(f -> f.setText(""));
        for (String spec : specs) {
            String s = spec.strip();
            int colon = s.indexOf(':');
            String name = (colon < 0 ? s : s.substring(0, colon)).strip().toLowerCase(java.util.Locale.ROOT);
            CheckBox tick = ticks.get(name);
            if (tick == null || tick.isSelected()) {
                others.add(s);
                continue;
            }
            tick.setSelected(true);
            options.get(name).setText(colon < 0 ? "" : s.substring(colon + 1).strip());
        }
        extra.setText(others.isEmpty() ? "" : "Also from the template: " + String.join(", ", others));
        extra.setVisible(!others.isEmpty());
        extra.setManaged(!others.isEmpty());
        changed();
    }

    /** The specs as the operator wrote them, or null when one is wrong (the message says why). */
    List<String> specs() {
        List<String> out = new ArrayList<>();
        ticks.forEach((name, tick) -> {
            if (tick.isSelected()) {
                String o = options.get(name).getText() == null ? "" : options.get(name).getText().strip();
                out.add(o.isEmpty() ? name : name + ":" + o.replaceAll("\\s*,\\s*", ","));
            }
        });
        out.addAll(others);
        try {
            // the engine's own reading: each spec, then whether they go together
            Guardrails.of(out.stream().map(GuardrailSpec::parse).toList(), Clock.systemUTC());
            message.setText("");
            return out;
        } catch (RuntimeException e) {
            message.setText(e.getMessage());
            return null;
        }
    }

    boolean valid() {
        return specs() != null;
    }

    private void changed() {
        specs();
        onChange.run();
    }
}
