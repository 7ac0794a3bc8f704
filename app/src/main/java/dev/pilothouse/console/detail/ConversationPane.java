package dev.pilothouse.console.detail;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.Console;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.List;

/**
 * The Conversation tab: the session's messages (the latest page first loaded, earlier pages on
 * demand), the reply streaming in as it arrives, and a send box aimed at one of the agents.
 */
final class ConversationPane extends BorderPane implements DetailView {
    static final int PAGE = 200;

    private final Console console;
    private final ObservableList<Message> messages = FXCollections.observableArrayList();
    private final ListView<Message> list = new ListView<>(messages);
    private final Button earlier = new Button("Load earlier messages");
    private final VBox live = new VBox(4);
    private final Label liveHeader = new Label();
    private final Label liveText = new Label();
    private final StringBuilder liveBuffer = new StringBuilder();
    private final ComboBox<String> agent = new ComboBox<>();
    private final TextArea input = new TextArea();
    private final Button send = new Button("Send");
    private final Label error = new Label();
    private Session session;
    private long lastId;
    private boolean sending;

    ConversationPane(Console console) {
        this.console = console;
        getStyleClass().add("detail-pane");
        list.setId("messages");
        list.setPlaceholder(new Label("No messages yet"));
        list.setCellFactory(l -> new MessageCell());
        earlier.setId("load-earlier");
        earlier.setOnAction(e -> loadEarlier());
        earlier.setVisible(false);
        earlier.setManaged(false);

        live.getStyleClass().addAll("message", "agent", "streaming");
        live.setId("live-reply");
        liveHeader.getStyleClass().add("message-header");
        liveText.getStyleClass().add("message-body");
        liveText.setWrapText(true);
        liveText.setMinHeight(Region.USE_PREF_SIZE);
        live.getChildren().addAll(liveHeader, liveText);
        live.setVisible(false);
        live.setManaged(false);

        agent.setId("target-agent");
        input.setId("message-input");
        input.setPromptText("Message (Ctrl+Enter sends; start with \"$ \" to run a command with the reference agent)");
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
        Label to = new Label("To");
        HBox controls = new HBox(8, to, agent, spacer(), send);
        controls.setAlignment(Pos.CENTER_LEFT);
        VBox bottom = new VBox(6, live, controls, input, error);
        bottom.setPadding(new Insets(8, 0, 0, 0));
        VBox center = new VBox(6, earlier, list);
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
        session = s;
        List<String> names = s.agents().stream().map(SessionAgent::name).toList();
        if (!agent.getItems().equals(names)) {
            agent.getItems().setAll(names);
            agent.getSelectionModel().selectFirst();
        }
        if (!same) {
            messages.clear();
            lastId = 0;
            error.setText("");
            endLive();
            loadLatest(s);
        } else {
            if (s.state() != dev.pilothouse.session.SessionState.BUSY && !sending) {
                // a reply this pane did not ask for (the starting prompt, another window) has ended
                endLive();
            }
            loadNewer(s);
        }
    }

    private void loadLatest(Session s) {
        String id = s.id();
        console.run("load the conversation of '" + s.name() + "'",
                () -> console.engine().messages(id, 0, Long.MAX_VALUE, PAGE), page -> {
                    if (session != null && session.id().equals(id)) {
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
                    if (session != null && session.id().equals(id)) {
                        page.stream().filter(m -> m.id() > lastId).forEach(messages::add);
                        page.stream().mapToLong(Message::id).max().ifPresent(m -> lastId = Math.max(lastId, m));
                        if (!page.isEmpty()) {
                            scrollToEnd();
                        }
                    }
                });
    }

    private void loadEarlier() {
        if (session == null || messages.isEmpty()) {
            return;
        }
        String id = session.id();
        long before = messages.get(0).id();
        console.run("load earlier messages", () -> console.engine().messages(id, 0, before, PAGE), page -> {
            if (session != null && session.id().equals(id)) {
                messages.addAll(0, page);
                boolean more = page.size() == PAGE;
                earlier.setVisible(more);
                earlier.setManaged(more);
                list.scrollTo(page.size());
            }
        });
    }

    private void scrollToEnd() {
        if (!messages.isEmpty()) {
            list.scrollTo(messages.size() - 1);
        }
    }

    void send() {
        if (session == null || sending) {
            return;
        }
        String text = input.getText();
        String target = agent.getValue();
        String id = session.id();
        sending = true;
        send.setDisable(true);
        error.setText("");
        beginLive(target);
        console.run(() -> console.engine().send(id, target, text, null), result -> {
            sending = false;
            send.setDisable(false);
            endLive();
            if (result.failed()) {
                error.setText("The reply failed: " + result.reply().error());
            } else {
                input.clear();
            }
            if (session != null && session.id().equals(id)) {
                loadNewer(session);
            }
        }, message -> {
            sending = false;
            send.setDisable(false);
            endLive();
            error.setText(message);
        });
    }

    /** Pieces of a reply streamed for the shown session (one frame's worth at a time). */
    void streamed(String sessionId, String fromAgent, List<AgentEvent> events) {
        if (session == null || !session.id().equals(sessionId)) {
            return;
        }
        if (!live.isVisible()) {
            beginLive(fromAgent);
        }
        for (AgentEvent e : events) {
            if (e.carriesReplyText()) {
                liveBuffer.append(e.text());
            }
        }
        liveText.setText(liveBuffer.toString());
    }

    private void beginLive(String fromAgent) {
        liveBuffer.setLength(0);
        liveHeader.setText(fromAgent + " is replying…");
        liveText.setText("");
        live.setVisible(true);
        live.setManaged(true);
    }

    private void endLive() {
        live.setVisible(false);
        live.setManaged(false);
        liveBuffer.setLength(0);
    }

    /** A message as a bubble: who, when, its status, and its text. */
    private static final class MessageCell extends ListCell<Message> {
        private final Label header = new Label();
        private final Label body = new Label();
        private final VBox bubble = new VBox(4, header, body);

        MessageCell() {
            header.getStyleClass().add("message-header");
            body.getStyleClass().add("message-body");
            body.setWrapText(true);
            // wrapped text gets the height it needs, and the list, not the text, decides the width
            body.setMinHeight(Region.USE_PREF_SIZE);
            header.setMinHeight(Region.USE_PREF_SIZE);
            bubble.getStyleClass().add("message");
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
            header.setText((user ? "you → " + m.agent() : m.agent()) + " · " + Json.time(m.createdAt())
                    + (m.status() == Message.Status.ERROR ? " · failed: " + m.error() : ""));
            body.setText(m.content());
            body.setVisible(!m.content().isEmpty());
            body.setManaged(!m.content().isEmpty());
            setGraphic(bubble);
        }
    }
}
