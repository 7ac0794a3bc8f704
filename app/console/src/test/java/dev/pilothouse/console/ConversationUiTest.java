package dev.pilothouse.console;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.detail.ConversationPane;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.SessionState;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Conversation tab: drafts belong to their session, the live reply lasts as long as it streams, the newest message is in sight. */
class ConversationUiTest extends ConsoleTestBase {

    private void sessions(String... names) {
        awaitReady();
        for (String n : names) {
            engine().create(CreateRequest.of(n, "reference"), null);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(names).stream()
                .allMatch(n -> shownRow(n) != null && shownRow(n).state() == SessionState.READY));
    }

    private void open(String name) {
        await().untilAsserted(() -> clickRow(name));
        awaitPaneIsSelection(name);
        press(KeyCode.CONTROL).press(KeyCode.DIGIT3).release(KeyCode.DIGIT3).release(KeyCode.CONTROL);
    }

    private TextArea input() {
        return lookup("#message-input").queryAs(TextArea.class);
    }

    @Test
    void draftsBelongToTheirSession() {
        sessions("alpha", "beta");
        open("alpha");
        clickOn("#message-input").write("for alpha");
        open("beta");
        assertThat(input().getText()).as("alpha's draft is not in beta's box").isEmpty();
        clickOn("#message-input").write("for beta");
        open("alpha");
        assertThat(input().getText()).isEqualTo("for alpha");
        open("beta");
        assertThat(input().getText()).isEqualTo("for beta");
    }

    @Test
    void aFailedMessageStaysWithItsSessionAndIsNeverSentElsewhere() {
        sessions("alpha", "beta");
        clickOn("#show-deleted");
        open("alpha");
        engine().delete("alpha");
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("alpha").deleted());
        clickOn("#message-input").write("$ echo lost");
        clickOn("#send");
        await().atMost(Duration.ofSeconds(10)).until(() -> !lookup("#send-error").queryAs(Label.class).getText().isEmpty());

        open("beta");
        assertThat(input().getText()).isEmpty();
        assertThat(lookup("#send-error").queryAs(Label.class).getText()).as("alpha's error is not beta's").isEmpty();
        clickOn("#message-input").write("$ echo kept");
        clickOn("#send");
        await().atMost(Duration.ofSeconds(15)).until(() -> engine().messages("beta", 0, null, 100).stream()
                .anyMatch(m -> m.role() == Message.Role.AGENT && m.content().contains("kept")));
        assertThat(engine().messages("beta", 0, null, 100)).filteredOn(m -> m.role() == Message.Role.USER)
                .extracting(Message::content).containsExactly("$ echo kept");
        open("alpha");
        assertThat(input().getText()).isEqualTo("$ echo lost");
    }

    @Test
    void theReplyingPanelExistsOnlyWhileAReplyStreams() {
        sessions("alpha");
        open("alpha");
        Node live = lookup("#live-reply").query();
        clickOn("#message-input").write("$ echo done-marker");
        clickOn("#send");
        await().atMost(Duration.ofSeconds(15)).until(() -> lookup("#messages").lookup(".message-body").queryAll().stream()
                .anyMatch(n -> ((Label) n).getText().contains("done-marker") && !((Label) n).getText().startsWith("$")));
        await().atMost(Duration.ofSeconds(5)).until(() -> !live.isVisible());

        // pieces of a reply that arrive in a frame after it was stored (its last delta, then done)
        String id = shownRow("alpha").id();
        interact(() -> window.controller().detail().streamed(id, "reference",
                List.of(AgentEvent.delta("late piece"), new AgentEvent(AgentEvent.Type.DONE, null, null, null))));
        assertThat(live.isVisible()).as("a finished reply leaves no panel behind").isFalse();
    }

    @Test
    void aReplyOpensIntoItsTraceWithTheTimeOfEachEvent() {
        sessions("alpha");
        open("alpha");
        dev.pilothouse.engine.SendResult sent = engine().send("alpha", null, "$ echo one; sleep 0.2; echo two", null);
        List<dev.pilothouse.session.TraceEvent> stored = engine().trace("alpha", sent.reply().id());
        await().atMost(Duration.ofSeconds(15)).until(() -> lookup("#messages .trace-link").queryAll().stream()
                .anyMatch(Node::isVisible));
        List<Node> links = lookup("#messages .trace-link").queryAll().stream().filter(Node::isVisible).toList();
        assertThat(links).as("only replies have a trace").hasSize(1);
        clickOn(links.get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup("#trace").tryQuery().isPresent()
                && !lookup("#trace .trace-cell").queryAll().isEmpty());
        List<String> cells = lookup("#trace .trace-cell").queryAll().stream().map(n -> ((Label) n).getText()).toList();
        // five cells a row: the time, the gap, the kind, the size, the text; as the engine stored them
        assertThat(cells).hasSize(5 * stored.size());
        assertThat(cells.get(0)).isEqualTo(stored.get(0).atMillis() + " ms");
        assertThat(cells).contains("one⏎", "two⏎", "done (exit 0)");
        assertThat(((Label) lookup("#trace .muted").query()).getText()).startsWith(stored.size() + " events · first after");
        snapshot(lookup("#conversation").query(), "console-reply-trace.png");
        clickOn(lookup("#messages .trace-link").queryAll().stream().filter(Node::isVisible).findFirst().orElseThrow());
        await().atMost(Duration.ofSeconds(5)).until(() -> lookup("#trace").queryAll().stream().noneMatch(Node::isVisible));
    }

    @Test
    void aLongStreamingReplyLeavesTheTranscriptReadable() {
        sessions("alpha");
        open("alpha");
        String id = shownRow("alpha").id();
        String longText = "line\n".repeat(400);
        interact(() -> window.controller().detail().streamed(id, "reference", List.of(AgentEvent.delta(longText))));
        Node live = lookup("#live-reply").query();
        assertThat(live.isVisible()).isTrue();
        ListView<?> messages = lookup("#messages").queryAs(ListView.class);
        Node pane = lookup("#conversation").query();
        assertThat(messages.getHeight()).as("the transcript keeps at least a third of the tab")
                .isGreaterThan(pane.getBoundsInLocal().getHeight() / 3);
        assertThat(live.getBoundsInLocal().getHeight()).isLessThan(pane.getBoundsInLocal().getHeight() / 2);
    }

    @Test
    void theConversationFollowsTheNewestMessageUnlessScrolledUp() {
        sessions("alpha");
        open("alpha");
        ListView<?> list = lookup("#messages").queryAs(ListView.class);
        for (int i = 1; i <= 14; i++) {
            engine().send("alpha", null, "$ printf 'reply %s\\nsecond line\\nthird line\\n'".formatted(i), null);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> list.getItems().size() >= 28);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> lastMessageFullyVisible(list));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the newest message is not in sight: cells shown " + onFx(() -> list.lookupAll(".list-cell")
                    .stream().filter(n -> n.isVisible() && !((ListCell<?>) n).isEmpty()).map(n -> ((ListCell<?>) n).getIndex())
                    .sorted().toList()) + " of " + list.getItems().size() + " messages", e);
        }

        interact(() -> list.scrollTo(0));
        await().until(() -> cellVisible(list, 0));
        engine().send("alpha", null, "$ echo while-scrolled-up", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> list.getItems().size() >= 30);
        interact(() -> { });
        assertThat(cellVisible(list, 0)).as("reading earlier messages is not interrupted").isTrue();
    }

    @Test
    void twoBatchesOfNewMessagesInOnePulseStillFollowTheNewest() {
        sessions("alpha");
        engine().send("alpha", null, "$ echo first", null);
        open("alpha");
        ListView<?> list = lookup("#messages").queryAs(ListView.class);
        // the conversation loaded first: a load ending later would replace what is handed in below
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> list.getItems().size()) == 2);
        ConversationPane pane = window.controller().detail().conversation();
        String id = shownRow("alpha").id();
        interact(() -> pane.append(batch(id, 1_000, 20))); // enough to scroll
        await().atMost(Duration.ofSeconds(5)).until(() -> lastMessageFullyVisible(list));
        // two loads finishing before the list is laid out again: the second must not take the end as
        // out of sight (the first's scroll is not laid out yet) and stop following; more than a
        // screen of it, so the first's scroll alone would leave the newest below
        interact(() -> {
            pane.append(batch(id, 1_020, 3));
            pane.append(batch(id, 1_023, 15));
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> lastMessageFullyVisible(list));
        assertThat(onFx(() -> list.getItems().size())).isEqualTo(40);
    }

    /** {@code n} messages of the session from id {@code from}, alternately the operator's and the agent's, three lines each. */
    private static List<Message> batch(String sessionId, long from, int n) {
        return java.util.stream.LongStream.range(from, from + n).mapToObj(i -> new Message(i, sessionId,
                i % 2 == 0 ? Message.Role.USER : Message.Role.AGENT, "reference", "message " + i + "\nsecond line\nthird line",
                Message.Status.COMPLETE, null, java.time.Instant.now())).toList();
    }

    private boolean lastMessageFullyVisible(ListView<?> list) {
        return onFx(() -> {
            int last = list.getItems().size() - 1;
            Bounds view = list.localToScene(list.getBoundsInLocal());
            return list.lookupAll(".list-cell").stream().filter(n -> n instanceof ListCell<?> c && c.getIndex() == last
                            && c.isVisible() && !c.isEmpty())
                    .anyMatch(c -> {
                        Bounds b = c.localToScene(c.getBoundsInLocal());
                        return b.getMinY() >= view.getMinY() - 1 && b.getMaxY() <= view.getMaxY() + 1;
                    });
        });
    }

    private boolean cellVisible(ListView<?> list, int index) {
        return onFx(() -> {
            Bounds view = list.localToScene(list.getBoundsInLocal());
            return list.lookupAll(".list-cell").stream().filter(n -> n instanceof ListCell<?> c && c.getIndex() == index
                            && c.isVisible() && !c.isEmpty())
                    .anyMatch(c -> {
                        Bounds b = c.localToScene(c.getBoundsInLocal());
                        return b.getMaxY() > view.getMinY() && b.getMinY() < view.getMaxY();
                    });
        });
    }

    @Test
    void theSendHintNamesTheSelectedAgent() {
        awaitReady();
        AgentDefinition ref = engine().agent("reference");
        engine().createAgent(new AgentDefinition(null, "helper", null, ref.command(), null, null, ref.env(), 0,
                ref.resources(), null, null, null));
        engine().create(CreateRequest.of("helped", "helper"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("helped") != null && shownRow("helped").state() == SessionState.READY);
        open("helped");
        assertThat(input().getPromptText()).contains("helper").doesNotContain("reference");
    }
}
