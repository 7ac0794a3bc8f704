package dev.pilothouse.console.detail;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.logs.LogViewer;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The Logs tab: one agent's log, followed live, or its previous run. The engine delivers lines
 * on its own threads straight into the viewer, which batches them per frame.
 */
final class LogsPane extends BorderPane implements DetailView {
    private final Console console;
    private final LogSource source;
    private final ComboBox<String> agent = new ComboBox<>();
    private final ToggleButton previous = new ToggleButton("Previous run");
    private final LogViewer viewer = new LogViewer();
    private LogSubscription subscription;
    private Gate gate;
    private String sessionId;
    private String sessionName;
    private String subscribed;

    /** Where the lines come from: the engine, or a test's source. */
    interface LogSource {
        LogSubscription open(String sessionId, String agent, LogOptions options, Consumer<List<LogLine>> sink);
    }

    LogsPane(Console console) {
        this(console, (id, agent, options, sink) -> console.engine().logs(id, agent, options, sink));
    }

    LogsPane(Console console, LogSource source) {
        this.console = console;
        this.source = source;
        agent.setId("log-agent");
        previous.setId("log-previous");
        agent.valueProperty().addListener((o, a, b) -> resubscribe());
        previous.selectedProperty().addListener((o, a, b) -> resubscribe());
        HBox bar = new HBox(8, new Label("Agent"), agent, previous);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(0, 0, 8, 0));
        setTop(bar);
        setCenter(viewer);
        setPadding(new Insets(12));
    }

    LogViewer viewer() {
        return viewer;
    }

    @Override
    public void show(Session s, Session prev) {
        List<String> names = s.agents().stream().map(SessionAgent::name).toList();
        boolean sameSession = s.id().equals(sessionId);
        sessionId = s.id();
        sessionName = s.name();
        if (!sameSession || !agent.getItems().equals(names)) {
            agent.getItems().setAll(names);
            agent.setValue(names.isEmpty() ? null : names.get(0));
        }
        resubscribe();
    }

    private void resubscribe() {
        String key = sessionId + "/" + agent.getValue() + "/" + previous.isSelected();
        if (sessionId == null || agent.getValue() == null || Objects.equals(key, subscribed)) {
            return;
        }
        stop();
        subscribed = key;
        Gate g = new Gate(viewer);
        gate = g;
        viewer.clear();
        viewer.setSuggestedFileName(sessionName + "-" + agent.getValue() + (previous.isSelected() ? "-previous" : "") + ".log");
        String id = sessionId;
        String name = agent.getValue();
        boolean prevRun = previous.isSelected();
        console.run("read the log of agent '" + name + "'",
                () -> source.open(id, name, new LogOptions(-1, !prevRun, prevRun), g),
                sub -> {
                    if (key.equals(subscribed)) {
                        subscription = sub;
                    } else {
                        sub.close();
                    }
                });
    }

    /** Stops following (no session shown, or the window closes). */
    void stop() {
        if (gate != null) {
            // shut before the viewer is cleared: a batch the old reader is still handing over cannot land after
            gate.shut();
            gate = null;
        }
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
        subscribed = null;
    }

    /**
     * What one subscription writes through. Once shut it drops everything: a reader that was
     * replaced (another agent, session or run) may still deliver a batch it had read.
     */
    private static final class Gate implements Consumer<List<LogLine>> {
        private final LogViewer viewer;
        private boolean open = true;

        Gate(LogViewer viewer) {
            this.viewer = viewer;
        }

        @Override
        public synchronized void accept(List<LogLine> lines) {
            if (open) {
                viewer.append(lines);
            }
        }

        synchronized void shut() {
            open = false;
        }
    }
}
