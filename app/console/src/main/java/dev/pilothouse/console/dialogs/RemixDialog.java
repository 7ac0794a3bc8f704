package dev.pilothouse.console.dialogs;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.WorkMonitor;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import javafx.application.Platform;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.stage.Window;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Remix (fxml/remix.fxml), opened on a session: every setting inherited and editable, agents
 * added or removed from the registry, what to copy, and a live summary of what will differ from
 * the parent. While the volume copies a progress bar shows it; then the child is selected.
 */
public final class RemixDialog extends DialogWindow {
    @FXML private Label title;
    @FXML private Label parentInfo;
    @FXML private TextField name;
    @FXML private Label nameMessage;
    @FXML private SessionFields fieldsController;
    @FXML private CheckBox copyWorkspace;
    @FXML private CheckBox copyConversation;
    @FXML private Label summary;
    @FXML private Label error;
    @FXML private ProgressBar progress;
    @FXML private Label progressText;
    @FXML private Button cancel;
    @FXML private Button remix;

    private final Console console;
    private final Session parent;
    private final List<String> parentAgents;
    private boolean agentsLoaded;
    private WorkMonitor.Job job;
    private String copied;
    private Map<String, Consumer<EngineEvent.CopyProgressed>> watchers;
    private Consumer<Session> onDone = s -> {
    };

    public RemixDialog(Console console, Window owner, boolean dark, Session parent) {
        super(owner, "remix.fxml", "Remix " + parent.name(), dark);
        this.console = console;
        this.parent = parent;
        this.parentAgents = parent.agents().stream().map(SessionAgent::name).toList();
        title.setText("Remix " + parent.name());
        parentInfo.setText("From " + parent.name() + " (" + parent.state() + ", " + parent.phase()
                + (parent.deleted() ? ", deleted" : "") + "). Everything below starts as the parent's; change what you need.");
        name.setPromptText(parent.name() + "-N (the next free number)");
        fieldsController.prefill(parent.startingPrompt(), parent.waitingTimeoutSeconds(), parent.ttlSeconds(),
                parent.metadata(), parent.resources());
        name.textProperty().addListener((o, a, b) -> refresh());
        copyWorkspace.selectedProperty().addListener((o, a, b) -> refresh());
        copyConversation.selectedProperty().addListener((o, a, b) -> refresh());
        fieldsController.onChange(this::refresh);
        cancel.setOnAction(e -> stage.close());
        remix.setOnAction(e -> submit());
        console.run("list the agents", () -> console.engine().agents(false), defs -> {
            agentsLoaded = true;
            fieldsController.setAgents(defs.stream().map(AgentDefinition::name).toList(), parentAgents);
        });
        refresh();
    }

    /**
     * @param copyWatchers where the main window routes copy progress, by session id
     * @param onDone       told of the child once its volume is copied (or at once when nothing is copied)
     */
    public void show(Map<String, Consumer<EngineEvent.CopyProgressed>> copyWatchers, Consumer<Session> onDone) {
        this.watchers = copyWatchers;
        this.onDone = onDone;
        stage.show();
        name.requestFocus();
    }

    public SessionFields fields() {
        return fieldsController;
    }

    /** Validates and rewrites the summary of differences. */
    private boolean refresh() {
        String n = text(name);
        String problem = n == null ? null : nameProblem(console, n, parent.context());
        nameMessage.setText(problem == null ? "" : problem);
        SessionFields.Values v = fieldsController.validate();
        summary.setText(v == null ? "Fix the fields marked above." : differences(n, v));
        boolean ok = problem == null && v != null && agentsLoaded;
        remix.setDisable(!ok);
        return ok;
    }

    private String differences(String n, SessionFields.Values v) {
        List<String> d = new ArrayList<>();
        d.add("name " + (n == null ? parent.name() + "-N" : n));
        List<String> added = v.agents().stream().filter(a -> !parentAgents.contains(a)).toList();
        List<String> removed = parentAgents.stream().filter(a -> !v.agents().contains(a)).toList();
        if (!added.isEmpty() || !removed.isEmpty()) {
            List<String> parts = new ArrayList<>();
            added.forEach(a -> parts.add("+" + a));
            removed.forEach(a -> parts.add("−" + a));
            d.add("agents " + String.join(" ", parts));
        }
        if (!Objects.equals(v.prompt(), parent.startingPrompt())) {
            d.add(v.prompt().isEmpty() ? "no starting prompt" : "a new starting prompt");
        } else if (copyConversation.isSelected() && parent.startingPrompt() != null && !parent.startingPrompt().isEmpty()) {
            d.add("starting prompt not run again (its reply is in the copied conversation)");
        }
        if (v.waitingSeconds() != null && v.waitingSeconds() != parent.waitingTimeoutSeconds()) {
            d.add("waiting timeout " + parent.waitingTimeoutSeconds() + " s → " + v.waitingSeconds() + " s");
        }
        if (v.ttlSeconds() != null && v.ttlSeconds() != parent.ttlSeconds()) {
            d.add("TTL " + parent.ttlSeconds() + " s → " + v.ttlSeconds() + " s");
        }
        String meta = v.metadata() == null ? "{}" : v.metadata();
        if (!meta.equals(parent.metadata())) {
            d.add("metadata " + meta);
        }
        Resources r = v.resources() == null ? parent.resources() : v.resources().withDefaults(parent.resources());
        if (!r.equals(parent.resources())) {
            d.add("resources cpu " + r.cpu() + ", memory " + r.memory() + ", storage " + r.storage());
        }
        d.add(copyWorkspace.isSelected() ? "workspace copied" : "empty workspace");
        d.add(copyConversation.isSelected() ? "conversation copied" : "conversation not copied");
        return String.join(" · ", d);
    }

    private void submit() {
        SessionFields.Values v = fieldsController.validate();
        if (!refresh() || v == null) {
            return;
        }
        List<String> added = v.agents().stream().filter(a -> !parentAgents.contains(a)).toList();
        List<String> removed = parentAgents.stream().filter(a -> !v.agents().contains(a)).toList();
        String meta = v.metadata() == null ? "{}" : v.metadata();
        RemixRequest r = new RemixRequest(text(name), Objects.equals(v.prompt(), parent.startingPrompt()) ? null : v.prompt(),
                null, added, removed,
                v.waitingSeconds() == null || v.waitingSeconds() == parent.waitingTimeoutSeconds() ? null : v.waitingSeconds(),
                v.ttlSeconds() == null || v.ttlSeconds() == parent.ttlSeconds() ? null : v.ttlSeconds(),
                meta.equals(parent.metadata()) ? null : meta, v.resources(), copyWorkspace.isSelected(),
                copyConversation.isSelected());
        boolean copies = r.copyWorkspace() || r.copyConversation();
        remix.setDisable(true);
        error.setText("");
        progress.setVisible(true);
        progress.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        progressText.setText(copies ? "Copying the volume…" : "Creating…");
        String parentId = parent.id();
        WorkMonitor.Job job = console.startWork("Remix " + parent.name() + (copies ? ": copying the volume" : ""));
        this.job = job;
        console.run(() -> console.engine().remix(parentId, r, child -> {
            if (copies) {
                watchers.put(child.id(), p -> copied(child, p));
            } else {
                Platform.runLater(() -> finish(child));
            }
        }, null), started -> {
            watchers.remove(started.session().id());
            finish(started.session());
            if (started.failed()) {
                job.failed("failed");
                console.notifier().error(started.session().state() == SessionState.ERROR
                        ? "Remix '" + started.session().name() + "' failed: " + started.session().terminationReason()
                        : "The reply to the starting prompt of '" + started.session().name() + "' failed: "
                        + started.firstReply().reply().error());
            } else {
                job.done();
                console.notifier().info("Remix " + started.session().name() + " of " + parent.name() + " is "
                        + started.session().state() + (copied == null ? "." : "; " + copied + "."));
            }
        }, message -> {
            job.failed(message);
            if (!stage.isShowing()) {
                console.notifier().error("Remix of " + parent.name() + " failed: " + message);
            }
            progress.setVisible(false);
            progressText.setText("");
            error.setText(message);
            remix.setDisable(false);
        });
    }

    private void copied(Session child, EngineEvent.CopyProgressed p) {
        double fraction = p.bytesTotal() == 0 ? 1.0 : (double) p.bytesDone() / p.bytesTotal();
        progress.setProgress(fraction);
        String text = String.format("Copying the volume: %d of %d files, %.1f of %.1f MB", p.filesDone(),
                p.filesTotal(), p.bytesDone() / 1e6, p.bytesTotal() / 1e6);
        progressText.setText(text);
        if (job != null) {
            job.progress(fraction, text);
        }
        if (p.filesDone() == p.filesTotal()) {
            copied = String.format("workspace copied (%d files, %.1f MB)", p.filesTotal(), p.bytesTotal() / 1e6);
            if (job != null) {
                job.progress(-1, "Volume copied; starting " + child.name() + "…");
            }
            watchers.remove(child.id());
            finish(child);
        }
    }

    /** The child exists (and its volume is copied): select it; its agents start in the background. */
    private void finish(Session child) {
        if (stage.isShowing()) {
            stage.close();
            onDone.accept(child);
        }
    }

    private static String text(TextField f) {
        return f.getText() == null || f.getText().isBlank() ? null : f.getText().trim();
    }

    /** For tests: the summary line as shown. */
    public String summaryText() {
        return summary.getText();
    }
}
