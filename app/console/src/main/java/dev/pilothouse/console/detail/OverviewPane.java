package dev.pilothouse.console.detail;

import dev.pilothouse.console.Console;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.Validation;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Map;

/**
 * The Overview tab: every field of the session, the editable ones (name, waiting timeout, TTL,
 * metadata) in place, its agents with add and remove ({@link AgentsSection}), and its lineage.
 * An edit is saved against the version it was made on, so
 * a change made meanwhile by anyone else is never silently overwritten.
 */
final class OverviewPane extends ScrollPane implements DetailView {
    private final Console console;
    private final GridPane facts = new GridPane();
    private final TextField name = new TextField();
    private final TextField waiting = new TextField();
    private final TextField ttl = new TextField();
    private final TextArea metadata = new TextArea();
    private final Button save = new Button("Save changes");
    private final Button revert = new Button("Revert");
    private final Label editError = new Label();
    private final Label stale = new Label();
    private final Hyperlink parent = new Hyperlink();
    private final Label noParent = new Label("—");
    private final javafx.scene.layout.StackPane parentSlot = new javafx.scene.layout.StackPane();
    private final FlowPane children = new FlowPane(6, 4);
    private final AgentsSection agents;
    private Session shown;
    private boolean loading;
    private final Map<String, String> volumes = new java.util.HashMap<>();
    /** Asks every second what a starting session waits for, while one is shown. */
    private final javafx.animation.Timeline progressTicker = new javafx.animation.Timeline(
            new javafx.animation.KeyFrame(javafx.util.Duration.seconds(1), e -> askProgress()));
    private boolean askingProgress;
    /** The shown session while it starts, else null. */
    private Session starting;

    OverviewPane(Console console) {
        this.console = console;
        this.agents = new AgentsSection(console);
        setFitToWidth(true);
        getStyleClass().add("detail-pane");
        name.setId("edit-name");
        waiting.setId("edit-waiting");
        ttl.setId("edit-ttl");
        metadata.setId("edit-metadata");
        metadata.setPrefRowCount(4);
        metadata.getStyleClass().add("mono");
        save.setId("save-overview");
        save.getStyleClass().add("accent");
        revert.setId("revert-overview");
        editError.getStyleClass().add("inline-error");
        editError.setId("overview-error");
        editError.setWrapText(true);
        stale.getStyleClass().add("muted");
        stale.setWrapText(true);
        for (TextField f : List.of(name, waiting, ttl)) {
            f.textProperty().addListener((o, a, b) -> edited());
        }
        metadata.textProperty().addListener((o, a, b) -> edited());
        save.setOnAction(e -> save());
        revert.setOnAction(e -> {
            if (shown != null) {
                fill(console.sessions().get(shown.id()).orElse(shown));
            }
        });
        parent.setId("parent-link");
        facts.setHgap(12);
        facts.setVgap(6);
        ColumnConstraints names = new ColumnConstraints(150);
        ColumnConstraints values = new ColumnConstraints();
        values.setHgrow(Priority.ALWAYS);
        facts.getColumnConstraints().addAll(names, values);

        GridPane edit = new GridPane();
        edit.setHgap(12);
        edit.setVgap(6);
        edit.getColumnConstraints().addAll(new ColumnConstraints(150), values);
        row(edit, 0, "Name", name);
        row(edit, 1, "Waiting timeout", hint(waiting, "seconds, or 90s, 10m, 2h"));
        row(edit, 2, "TTL (inactivity)", hint(ttl, "e.g. 24h, 7d"));
        row(edit, 3, "Metadata (JSON)", metadata);
        HBox buttons = new HBox(8, save, revert);
        VBox content = new VBox(8, title("Session"), facts, title("Agents"), agents, title("Edit"), edit, buttons,
                editError, stale, title("Lineage"), lineage());
        content.setPadding(new Insets(12));
        setContent(content);
        setDisable(true);
        progressTicker.setCycleCount(javafx.animation.Animation.INDEFINITE);
    }

    /** Fills the start-up row with what the start waits for ("pulling image ... (45 s)"). */
    private void askProgress() {
        Session s = starting;
        if (s == null || getScene() == null || getScene().getWindow() == null || !getScene().getWindow().isShowing()) {
            progressTicker.stop();
            return;
        }
        if (askingProgress) {
            return; // the last question is still out (a slow runtime): no pile-up
        }
        askingProgress = true;
        console.poll(() -> console.engine().startProgress(s), p -> {
            askingProgress = false;
            if (starting != null && starting.id().equals(s.id()) && facts.lookup("#fact-start-up") instanceof Label l) {
                l.setText(p == null ? "starting agents" : p);
            }
        });
    }

    private Node lineage() {
        GridPane g = new GridPane();
        g.setHgap(12);
        g.setVgap(6);
        g.getColumnConstraints().addAll(new ColumnConstraints(150), new ColumnConstraints());
        parentSlot.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        noParent.setId("no-parent");
        row(g, 0, "Parent", parentSlot);
        children.setId("children");
        row(g, 1, "Children", children);
        return g;
    }

    private static Label title(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section-title");
        return l;
    }

    private static Node hint(TextField field, String text) {
        Label l = new Label(text);
        l.getStyleClass().add("muted");
        HBox box = new HBox(8, field, l);
        return box;
    }

    private static void row(GridPane g, int row, String label, Node value) {
        Label l = new Label(label);
        l.getStyleClass().add("field-name");
        g.add(l, 0, row);
        g.add(value, 1, row);
    }

    @Override
    public void show(Session s, Session previous) {
        setDisable(false);
        boolean same = shown != null && shown.id().equals(s.id());
        boolean dirty = same && save.isVisible() && !save.isDisabled();
        shown = same && dirty ? shown : s;
        showFacts(s);
        agents.show(s);
        if (!dirty) {
            fill(s);
        } else {
            stale.setText("This session changed (now version " + s.version() + ") while you were editing version "
                    + shown.version() + ": saving will be refused. Revert loads the latest.");
        }
        showLineage(s);
    }

    private void fill(Session s) {
        loading = true;
        shown = s;
        name.setText(s.name());
        waiting.setText(Long.toString(s.waitingTimeoutSeconds()));
        ttl.setText(Long.toString(s.ttlSeconds()));
        metadata.setText(Json.pretty(Json.parse(s.metadata())));
        loading = false;
        boolean editable = !s.deleted();
        for (Node n : List.of(name, waiting, ttl, metadata)) {
            n.setDisable(!editable);
        }
        save.setDisable(true);
        revert.setDisable(true);
        editError.setText(editable ? "" : "A deleted session cannot be changed.");
        stale.setText("");
    }

    private void edited() {
        if (!loading) {
            save.setDisable(false);
            revert.setDisable(false);
            editError.setText("");
        }
    }

    private void showFacts(Session s) {
        facts.getChildren().clear();
        String known = volumes.get(s.id());
        String volume = s.purged() ? "purged " + Json.time(s.purgedAt()) : known != null ? known : "…";
        if (!s.purged() && known == null) {
            // where the volume is may take the runtime a moment to say: asked off the FX thread
            console.run("find the volume of '" + s.name() + "'", () -> console.engine().volumeLocation(s), where -> {
                volumes.put(s.id(), where);
                if (shown != null && shown.id().equals(s.id())) {
                    javafx.scene.Node v = facts.lookup("#fact-volume");
                    if (v instanceof Label l) {
                        l.setText(where);
                    }
                }
            });
        }
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        rows.put("Id", s.id());
        rows.put("State / phase", s.state() + " / " + s.phase());
        if (s.scheduledAt() != null) {
            // a session waiting for its scheduled start is not starting yet: no start-up progress to poll
            rows.put("Scheduled start", s.pendingStart() ? "starts at " + Json.time(s.scheduledAt())
                    + " (resume starts it now; delete cancels it)" : Json.time(s.scheduledAt()));
        }
        if (s.state() == SessionState.INIT && !s.deleted() && !s.pendingStart()) {
            rows.put("Start-up", "starting agents");
        }
        rows.put("Context / namespace", s.context() + " / " + s.namespace());
        rows.put("Starting prompt", s.startingPrompt().isEmpty() ? "—" : s.startingPrompt());
        rows.put("Guardrails", s.guardrails().isEmpty() ? "none" : String.join("\n", s.guardrails()));
        rows.put("Resources", "cpu " + s.resources().cpu() + " · memory " + s.resources().memory()
                + " · storage " + s.resources().storage());
        rows.put("Volume", volume);
        rows.put("Created", Json.time(s.createdAt()) + " by " + s.createdBy());
        rows.put("Updated", Json.time(s.updatedAt()) + " (version " + s.version() + ")");
        rows.put("Last activity", Json.time(s.lastActivityAt()));
        rows.put("Termination reason", s.terminationReason() == null ? "—" : s.terminationReason());
        if (s.deleted()) {
            rows.put("Deleted", Json.time(s.deletedAt()));
        }
        int r = 0;
        for (Map.Entry<String, String> e : rows.entrySet()) {
            Label v = new Label(e.getValue());
            v.getStyleClass().add("field-value");
            v.setWrapText(true);
            v.setId("fact-" + e.getKey().toLowerCase().replaceAll("[^a-z]+", "-"));
            row(facts, r++, e.getKey(), v);
        }
        starting = rows.containsKey("Start-up") ? s : null;
        if (starting != null) {
            askProgress();
            progressTicker.play();
        } else {
            progressTicker.stop();
        }
    }

    private void showLineage(Session s) {
        if (s.parentSessionId() == null) {
            // no parent: plain text, not a link to nowhere
            parentSlot.getChildren().setAll(noParent);
            parent.setOnAction(null);
        } else {
            parentSlot.getChildren().setAll(parent);
            parent.setText(console.sessions().name(s.parentSessionId()));
            parent.setDisable(false);
            parent.setOnAction(e -> console.select(s.parentSessionId()));
        }
        children.getChildren().clear();
        console.sessions().sessions().stream().filter(c -> s.id().equals(c.parentSessionId())).forEach(c -> {
            Hyperlink link = new Hyperlink(c.name() + (c.deleted() ? " (deleted)" : ""));
            link.setOnAction(e -> console.select(c.id()));
            children.getChildren().add(link);
        });
        if (children.getChildren().isEmpty()) {
            children.getChildren().add(new Label("—"));
        }
    }

    private void save() {
        Session base = shown;
        UpdateRequest u;
        try {
            String newName = name.getText().trim().equals(base.name()) ? null : name.getText().trim();
            long w = Validation.waitingTimeout(Validation.duration("waiting timeout", waiting.getText()));
            long t = Validation.ttl(Validation.duration("TTL", ttl.getText()));
            String meta = Validation.metadata(metadata.getText());
            u = new UpdateRequest(newName, w == base.waitingTimeoutSeconds() ? null : w, t == base.ttlSeconds() ? null : t,
                    meta.equals(base.metadata()) ? null : meta, Map.of(), List.of());
        } catch (RuntimeException e) {
            editError.setText(Console.message(null, e));
            return;
        }
        if (u.empty()) {
            fill(base);
            return;
        }
        save.setDisable(true);
        console.run(() -> console.engine().update(base.id(), u, base.version()), updated -> {
            console.sessions().apply(List.of(updated));
            fill(updated);
        }, message -> {
            save.setDisable(false);
            editError.setText(message);
        });
    }

    void revealLineage() {
        layout();
        setVvalue(getVmax());
    }

    /** For tests: the names of the children shown. */
    List<String> childNames() {
        return children.getChildren().stream().filter(n -> n instanceof Hyperlink).map(n -> ((Hyperlink) n).getText()).toList();
    }
}
