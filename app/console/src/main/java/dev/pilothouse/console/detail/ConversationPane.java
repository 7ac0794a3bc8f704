package dev.pilothouse.console.detail;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.model.ConversationModel;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TraceEvent;
import javafx.application.Platform;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.IndexedCell;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.skin.VirtualFlow;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Conversation tab: the session's messages (the latest page first loaded, earlier pages on
 * demand), the reply streaming in as it arrives, and a send box aimed at one of the agents.
 */
public final class ConversationPane extends BorderPane implements DetailView {
    static final int PAGE = 200;

    private final Console console;
    private final ConversationModel model = new ConversationModel();
    private final ObservableList<Message> messages = FXCollections.observableArrayList();
    private final ListView<Message> list = new ListView<>(messages);
    private final Button earlier = new Button("Load earlier messages");
    private final VBox live = new VBox(4);
    private final ScrollPane liveScroll = new ScrollPane();
    private final Label liveHeader = new Label();
    private final Label liveText = new Label();
    private final ComboBox<String> agent = new ComboBox<>();
    private final TextArea input = new TextArea();
    private final Button send = new Button("Send");
    private final Label error = new Label();
    private Session session;
    private long lastId;
    /** Whether new messages scroll into sight: yes until the operator scrolls up, again once back at the end. */
    private boolean follow = true;
    /**
     * A scroll to the newest message is asked for and not yet laid out: until then the list's cells
     * are where they were before the messages came, and would say the end is out of sight.
     */
    private boolean endPending;
    /** Replies whose trace is open, and the traces loaded (by reply id). */
    private final Set<Long> traced = new HashSet<>();
    private final Map<Long, List<TraceEvent>> traces = new HashMap<>();

    ConversationPane(Console console) {
        this.console = console;
        getStyleClass().add("detail-pane");
        setId("conversation");
        list.setId("messages");
        list.setPlaceholder(new Label("No messages yet"));
        list.setCellFactory(l -> new MessageCell());
        // the operator scrolling decides whether the list follows new messages
        list.addEventFilter(ScrollEvent.SCROLL, e -> Platform.runLater(() -> follow = atEnd()));
        list.addEventFilter(MouseEvent.MOUSE_RELEASED, e -> Platform.runLater(() -> follow = atEnd()));
        list.addEventFilter(KeyEvent.KEY_RELEASED, e -> Platform.runLater(() -> follow = atEnd()));
        earlier.setId("load-earlier");
        earlier.setOnAction(e -> loadEarlier());
        earlier.setVisible(false);
        earlier.setManaged(false);

        live.getStyleClass().addAll("message", "agent", "streaming");
        liveHeader.getStyleClass().add("message-header");
        liveText.getStyleClass().add("message-body");
        liveText.setWrapText(true);
        liveText.setMinHeight(Region.USE_PREF_SIZE);
        live.getChildren().addAll(liveHeader, liveText);
        // a long reply scrolls inside its panel, which never takes more than a third of the tab
        liveScroll.setId("live-reply");
        liveScroll.setContent(live);
        liveScroll.setFitToWidth(true);
        liveScroll.getStyleClass().add("live-reply");
        liveScroll.maxHeightProperty().bind(heightProperty().divide(3));
        liveScroll.setMinHeight(0);
        liveText.heightProperty().addListener((o, a, b) -> liveScroll.setVvalue(liveScroll.getVmax()));
        showLive(null);

        agent.setId("target-agent");
        agent.valueProperty().addListener((o, a, b) -> input.setPromptText(ConversationModel.hint(b)));
        input.setId("message-input");
        input.setPromptText(ConversationModel.hint(null));
        input.setPrefRowCount(3);
        input.setWrapText(true);
        input.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER && e.isShortcutDown()) {
                e.consume();
                send();
            }
        });
        send.setId("send");
        send.setDefaultButton(false);
        send.setOnAction(e -> send());
        error.getStyleClass().add("inline-error");
        error.setId("send-error");
        error.setWrapText(true);
        error.setMinHeight(Region.USE_PREF_SIZE);
        Label to = new Label("To");
        HBox controls = new HBox(8, to, agent, spacer(), send);
        controls.setAlignment(Pos.CENTER_LEFT);
        VBox bottom = new VBox(6, controls, input, error);
        bottom.setPadding(new Insets(8, 0, 0, 0));
        VBox center = new VBox(6, earlier, list, liveScroll);
        VBox.setVgrow(list, Priority.ALWAYS);
        setCenter(center);
        setBottom(bottom);
        setPadding(new Insets(12));
    }

    private static Region spacer() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    @Override
    public void show(Session s, Session previous) {
        boolean same = session != null && session.id().equals(s.id());
        if (!same) {
            leave();
        }
        session = s;
        List<String> names = s.agents().stream().map(SessionAgent::name).toList();
        if (!agent.getItems().equals(names)) {
            agent.getItems().setAll(names);
            agent.getSelectionModel().selectFirst();
        }
        input.setPromptText(ConversationModel.hint(agent.getValue()));
        if (!same) {
            messages.clear();
            traced.clear();
            traces.clear();
            lastId = 0;
            follow = true;
            input.setText(model.draft(s.id()));
            input.setDisable(false);
            loadLatest(s);
        } else {
            if (s.state() != SessionState.BUSY && !model.sending(s.id())) {
                // a reply this pane did not ask for (the starting prompt, another window) has ended
                model.replyEnded(s.id());
            }
            loadNewer(s);
        }
        error.setText(model.error(s.id()));
        send.setDisable(model.sending(s.id()));
        showLive(model.streaming(s.id()));
    }

    /** No session shown: the draft stays with its session, the box is empty and off. */
    void clear() {
        leave();
        session = null;
        messages.clear();
        input.clear();
        input.setDisable(true);
        error.setText("");
        showLive(null);
    }

    /** The pane moves away from its session: what is typed stays with that session. */
    private void leave() {
        if (session != null) {
            model.keepDraft(session.id(), input.getText());
        }
    }

    private boolean showing(String id) {
        return session != null && session.id().equals(id);
    }

    private void loadLatest(Session s) {
        String id = s.id();
        console.run("load the conversation of '" + s.name() + "'",
                () -> console.engine().messages(id, 0, Long.MAX_VALUE, PAGE), page -> {
                    if (showing(id)) {
                        messages.setAll(page);
                        page.stream().mapToLong(Message::id).max().ifPresent(m -> lastId = m);
                        boolean more = page.size() == PAGE;
                        earlier.setVisible(more);
                        earlier.setManaged(more);
                        scrollToEnd();
                    }
                });
    }

    private void loadNewer(Session s) {
        String id = s.id();
        long after = lastId;
        console.run("load new messages of '" + s.name() + "'", () -> console.engine().messages(id, after, null, 10_000),
                page -> {
                    if (showing(id)) {
                        append(page);
                    }
                });
    }

    /** Newer messages of the session shown, as loaded: the list follows them unless the operator scrolled up. */
    public void append(List<Message> page) {
        // on screen, where the list is scrolled to decides; else what the operator last did
        boolean keep = isShowingOnScreen() ? endPending || atEnd() : follow;
        page.stream().filter(m -> m.id() > lastId).forEach(messages::add);
        page.stream().mapToLong(Message::id).max().ifPresent(m -> lastId = Math.max(lastId, m));
        if (!page.isEmpty()) {
            if (keep) {
                scrollToEnd();
            } else {
                follow = false;
            }
        }
    }

    private boolean isShowingOnScreen() {
        return list.getScene() != null && list.getScene().getWindow() != null && list.getScene().getWindow().isShowing()
                && list.isVisible() && getParent() != null && getParent().isVisible() && list.getHeight() > 0;
    }

    private void loadEarlier() {
        if (session == null || messages.isEmpty()) {
            return;
        }
        String id = session.id();
        long before = messages.get(0).id();
        console.run("load earlier messages", () -> console.engine().messages(id, 0, before, PAGE), page -> {
            if (showing(id)) {
                messages.addAll(0, page);
                boolean more = page.size() == PAGE;
                earlier.setVisible(more);
                earlier.setManaged(more);
                follow = false;
                list.scrollTo(page.size());
            }
        });
    }

    /** Whether the newest message is in sight (or there is nothing to scroll). */
    private boolean atEnd() {
        if (messages.isEmpty() || !(list.lookup(".virtual-flow") instanceof VirtualFlow<?> flow)) {
            return true;
        }
        IndexedCell<?> last = flow.getLastVisibleCell();
        return last == null || last.getIndex() >= messages.size() - 1;
    }

    /** Brings the newest message into sight, again after the next layout (cells measure their wrapped text late). */
    private void scrollToEnd() {
        if (messages.isEmpty()) {
            return;
        }
        follow = true;
        endPending = true;
        list.scrollTo(messages.size() - 1);
        Platform.runLater(() -> {
            endPending = false;
            if (follow && !messages.isEmpty() && list.lookup(".virtual-flow") instanceof VirtualFlow<?> flow) {
                list.scrollTo(messages.size() - 1);
                flow.layout();
                flow.scrollPixels(1e7);
            }
        });
    }

    void send() {
        if (session == null || model.sending(session.id())) {
            return;
        }
        String text = input.getText();
        if (text == null || text.isBlank()) {
            return;
        }
        String target = agent.getValue();
        String id = session.id();
        model.sendStarted(id);
        send.setDisable(true);
        error.setText("");
        showLive(model.streamed(id, target, List.of()));
        follow = true;
        console.run(() -> console.engine().send(id, target, text, null), result -> {
            model.replyEnded(id);
            boolean here = showing(id);
            String now = model.sendDelivered(id, text, here ? input.getText() : model.draft(id));
            if (result.failed()) {
                model.sendFailed(id, "The reply failed: " + result.reply().error());
            }
            if (here) {
                input.setText(now);
                send.setDisable(false);
                error.setText(model.error(id));
                showLive(null);
                loadNewer(session);
            }
        }, message -> {
            model.sendFailed(id, message);
            model.replyEnded(id);
            if (showing(id)) {
                send.setDisable(false);
                error.setText(message);
                showLive(null);
            }
        });
    }

    /** Pieces of a reply streamed for a session (one frame's worth at a time). */
    void streamed(String sessionId, String fromAgent, List<AgentEvent> events) {
        ConversationModel.Live now = model.streamed(sessionId, fromAgent, events);
        if (showing(sessionId)) {
            showLive(now);
        }
    }

    /** The panel of the reply streaming in, or none. */
    private void showLive(ConversationModel.Live reply) {
        boolean on = reply != null;
        if (on) {
            liveHeader.setText(reply.agent() + " is replying…");
            liveText.setText(reply.text());
        } else {
            liveText.setText("");
        }
        liveScroll.setVisible(on);
        liveScroll.setManaged(on);
    }

    /** The badge of a message a guardrail acted on, e.g. "Redacted by no-pii-exposure: email". */
    static String badgeText(Message.Guard g, boolean user) {
        String what = switch (g.verdict()) {
            case Message.Guard.REDACTED -> user ? "Sent redacted" : "Redacted";
            case Message.Guard.BLOCKED -> user ? "Blocked, not sent" : "Blocked, not shown";
            default -> user ? "Refused, not sent" : "Refused, not shown";
        };
        return what + " by " + g.guardrail() + (g.kinds().isEmpty() ? "" : ": " + String.join(", ", g.kinds()));
    }

    /** Opens or closes a reply's trace, loading it the first time. */
    private void toggleTrace(Message m) {
        if (!traced.remove(m.id())) {
            traced.add(m.id());
            if (!traces.containsKey(m.id())) {
                String id = m.sessionId();
                console.run("load the trace of reply #" + m.id(), () -> console.engine().trace(id, m.id()), events -> {
                    if (showing(id)) {
                        traces.put(m.id(), events);
                        list.refresh();
                    }
                });
            }
        }
        list.refresh();
    }

    /** A message as a bubble: who, when, its status, a guardrail's badge, its text, and for a reply its trace. */
    final class MessageCell extends ListCell<Message> {
        private final Label header = new Label();
        private final Label badge = new Label();
        private final Label body = new Label();
        private final Hyperlink traceLink = new Hyperlink();
        private final VBox traceBox = new VBox();
        private final VBox bubble = new VBox(4, header, badge, body, traceLink, traceBox);

        MessageCell() {
            header.getStyleClass().add("message-header");
            body.getStyleClass().add("message-body");
            body.setWrapText(true);
            // wrapped text gets the height it needs, and the list, not the text, decides the width
            body.setMinHeight(Region.USE_PREF_SIZE);
            header.setMinHeight(Region.USE_PREF_SIZE);
            badge.setMinHeight(Region.USE_PREF_SIZE);
            badge.setWrapText(true);
            bubble.getStyleClass().add("message");
            traceLink.getStyleClass().add("trace-link");
            traceLink.setOnAction(e -> {
                if (getItem() != null) {
                    toggleTrace(getItem());
                }
            });
            setPrefWidth(0);
            setPadding(new Insets(3, 2, 3, 2));
        }

        @Override
        protected void updateItem(Message m, boolean empty) {
            super.updateItem(m, empty);
            if (empty || m == null) {
                setGraphic(null);
                return;
            }
            boolean user = m.role() == Message.Role.USER;
            bubble.getStyleClass().setAll("message", user ? "user" : "agent");
            if (m.status() == Message.Status.ERROR) {
                bubble.getStyleClass().add("failed");
            }
            if (m.copied()) {
                bubble.getStyleClass().add("copied");
            }
            Message.Guard guard = m.guard();
            // held back by a guardrail: the badge says so, the text says what was found and where (never what)
            boolean held = guard != null && !guard.verdict().equals(Message.Guard.REDACTED);
            header.setText((user ? "you → " + m.agent() : m.agent()) + " · " + Json.time(m.createdAt())
                    + (!m.copied() ? "" : session != null && m.copiedFrom().equals(session.parentSessionId())
                    ? " · copied from the parent session" : " · imported with the bundle")
                    + (held ? "" : m.status() == Message.Status.ERROR ? " · failed: " + m.error()
                    : m.status() == Message.Status.TRUNCATED ? " · truncated: " + m.error()
                    : m.status() == Message.Status.CANCELLED ? " · " + m.error() : ""));
            badge.getStyleClass().setAll("guardrail-badge");
            if (guard != null) {
                bubble.getStyleClass().add("guarded");
                badge.getStyleClass().add(guard.verdict());
                badge.setText(badgeText(guard, user));
            }
            badge.setVisible(guard != null);
            badge.setManaged(guard != null);
            String text = held ? m.error() : m.content();
            body.getStyleClass().setAll(held ? "message-held" : "message-body");
            body.setText(text);
            body.setVisible(text != null && !text.isEmpty());
            body.setManaged(text != null && !text.isEmpty());
            // a reply of this session (not one copied from a parent) has the events it streamed
            boolean traceable = !user && !m.copied();
            boolean open = traceable && traced.contains(m.id());
            traceLink.setVisible(traceable);
            traceLink.setManaged(traceable);
            traceLink.setText(open ? "Hide trace" : "Trace");
            List<TraceEvent> events = open ? traces.get(m.id()) : null;
            traceBox.getChildren().setAll(open ? List.of(events == null ? new Label("Loading…") : new TraceView(events))
                    : List.of());
            traceBox.setVisible(open);
            traceBox.setManaged(open);
            setGraphic(bubble);
        }
    }
}
