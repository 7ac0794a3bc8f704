package dev.pilothouse.console.detail;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.files.FilesPane;
import dev.pilothouse.console.metrics.MetricsPane;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.StackPane;

import java.util.List;

/**
 * The right side of the main window: the selected session in seven tabs (Overview, State,
 * Conversation, Logs, Events, Files, Metrics), kept current as new versions of it arrive.
 *
 * <p>A tab's content joins the scene when the tab is first selected: all seven at once took their
 * first CSS pass and layout in one pulse, holding the FX thread 0.6–1.0 s just after the table
 * first showed (docs/performance.md, "Session table"). Until then each pane is kept current all
 * the same, off the scene.
 */
public final class DetailPane extends StackPane {
    private final Console console;
    private final TabPane tabs = new TabPane();
    private final Label empty = new Label("Select a session to see its details");
    private final OverviewPane overview;
    private final StatePane state = new StatePane();
    private final ConversationPane conversation;
    private final LogsPane logs;
    private final EventsPane events = new EventsPane();
    private final FilesPane files;
    private final MetricsPane metrics;
    private Session shown;
    private long auditLoadedAfter;

    public DetailPane(Console console) {
        setId("detail");
        this.console = console;
        this.overview = new OverviewPane(console);
        this.conversation = new ConversationPane(console);
        this.logs = new LogsPane(console);
        this.files = new FilesPane(console);
        this.metrics = new MetricsPane(console);
        tabs.setId("detail-tabs");
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        Tab filesTab = tab("Files", files);
        Tab metricsTab = tab("Metrics", metrics);
        tabs.getTabs().addAll(tab("Overview", overview), tab("State", state), tab("Conversation", conversation),
                tab("Logs", logs), tab("Events", events), filesTab, metricsTab);
        tabs.getSelectionModel().selectedItemProperty().addListener((o, was, now) -> attach(now));
        attach(tabs.getSelectionModel().getSelectedItem());
        filesTab.selectedProperty().addListener((o, was, on) -> files.setActive(on));
        metricsTab.selectedProperty().addListener((o, was, on) -> metrics.setActive(on));
        empty.getStyleClass().add("muted");
        getChildren().addAll(tabs, empty);
        tabs.setVisible(false);
    }

    private static Tab tab(String title, javafx.scene.Node content) {
        Tab t = new Tab(title);
        t.setId("tab-" + title.toLowerCase());
        t.setUserData(content);
        return t;
    }

    /** Puts a tab's content in the scene, the first time it is selected. */
    private static void attach(Tab t) {
        if (t != null && t.getContent() == null) {
            t.setContent((javafx.scene.Node) t.getUserData());
        }
    }

    /** Selects the tab at {@code index} (0 Overview … 5 Files, 6 Metrics). */
    public void selectTab(int index) {
        tabs.getSelectionModel().select(index);
    }

    /** Scrolls the Overview to its Lineage section. */
    public void revealLineage() {
        overview.revealLineage();
    }

    public Session shown() {
        return shown;
    }

    /** Shows a session, or nothing when {@code s} is null. */
    public void show(Session s) {
        if (s == null) {
            shown = null;
            tabs.setVisible(false);
            empty.setVisible(true);
            logs.stop();
            conversation.clear();
            return;
        }
        Session previous = shown != null && shown.id().equals(s.id()) ? shown : null;
        if (previous != null && previous.version() >= s.version()) {
            return;
        }
        shown = s;
        tabs.setVisible(true);
        empty.setVisible(false);
        if (previous == null) {
            auditLoadedAfter = 0;
            state.reset();
            events.reset();
        }
        overview.show(s, previous);
        state.show(s, previous);
        conversation.show(s, previous);
        logs.show(s, previous);
        files.show(s);
        metrics.show(s);
        loadAudit(s, previous == null);
    }

    private void loadAudit(Session s, boolean first) {
        String id = s.id();
        long after = auditLoadedAfter;
        console.run("load the audit trail of '" + s.name() + "'", () -> console.engine().events(id, after, 100_000),
                loaded -> {
                    if (shown == null || !shown.id().equals(id)) {
                        return;
                    }
                    List<AuditEvent> newer = loaded.stream().filter(e -> e.id() > auditLoadedAfter).toList();
                    newer.stream().mapToLong(AuditEvent::id).max().ifPresent(m -> auditLoadedAfter = m);
                    state.add(shown, newer, first);
                    events.add(newer);
                });
    }

    /** Reply pieces streamed for a session during the last frame. */
    public void streamed(String sessionId, String agent, List<AgentEvent> pieces) {
        conversation.streamed(sessionId, agent, pieces);
    }

    /** Sends the text in the conversation's box (Ctrl+Enter does the same inside it). */
    public void sendMessage() {
        conversation.send();
    }

    public ConversationPane conversation() {
        return conversation;
    }

    public MetricsPane metrics() {
        return metrics;
    }

    public FilesPane files() {
        return files;
    }

    public StateDiagram diagram() {
        return state.diagram();
    }
}
