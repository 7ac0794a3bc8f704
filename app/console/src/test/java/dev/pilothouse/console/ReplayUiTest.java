package dev.pilothouse.console;

import dev.pilothouse.console.replay.ReplayWindow;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Replay window on a real session's history: opened from the table's menu, stepped and played. */
class ReplayUiTest extends ConsoleTestBase {

    @Test
    void aSessionsHistoryIsSteppedAndPlayedWithTheDiagramAndConversationFollowing() {
        awaitReady();
        engine().create(CreateRequest.of("replayed", "reference"), null);
        engine().send("replayed", null, "$ echo one; sleep 0.2; echo two", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("replayed") != null
                && shownRow("replayed").state() == SessionState.READY);
        // paused, its history stands still: a running session's metrics add to its timeline every 10 s
        engine().pause("replayed");
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("replayed").state() == SessionState.IDLE);
        List<TimelineEntry> stored = engine().timeline("replayed");

        await().untilAsserted(() -> clickRow("replayed"));
        awaitPaneIsSelection("replayed");
        // the table's context menu, as a right click shows it: "Replay…" enabled for one session, then chosen
        javafx.scene.control.ContextMenu menu = onFx(() -> table().getContextMenu());
        interact(() -> menu.show(window.stage()));
        javafx.scene.control.MenuItem item = onFx(() -> menu.getItems().stream()
                .filter(i -> "menu-replay".equals(i.getId())).findFirst().orElseThrow());
        assertThat(onFx(item::isDisable)).isFalse();
        interact(() -> {
            item.fire();
            menu.hide();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> replay() != null && onFx(() -> replayList().getItems().size())
                == stored.size());
        Label when = (Label) replayStage().getScene().lookup("#replay-when");
        assertThat(when.getText()).startsWith("0 / " + stored.size());

        // step to the first streamed piece: the reply so far, the session BUSY
        int firstPiece = indexOf(stored, TimelineEntry.STREAM);
        for (int i = 0; i <= firstPiece; i++) {
            clickOn(replayStage().getScene().lookup("#replay-forward"));
        }
        assertThat(onFx(() -> replay().model().frame().state())).isEqualTo(SessionState.BUSY);
        ListView<?> conversation = (ListView<?>) replayStage().getScene().lookup("#replay-conversation");
        // the conversation follows within 100 ms (it is redrawn at most that often while the cursor moves)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(onFx(() -> conversation.getItems().size())).isEqualTo(2);
            assertThat(onFx(() -> conversation.getItems().get(1).toString())).contains("streaming=true").contains("one");
        });
        awaitDrawn();
        assertThat(onFx(() -> replayList().getSelectionModel().getSelectedIndex())).isEqualTo(firstPiece);
        snapshot(replayStage().getScene().getRoot(), "console-replay.png");

        // the agent's log line about the message: in the logs area once the scrubber reaches it, not a step before
        int received = -1;
        for (int i = 0; i < stored.size(); i++) {
            if (stored.get(i).kind().equals(TimelineEntry.LOG) && stored.get(i).summary().contains("received")) {
                received = i;
                break;
            }
        }
        assertThat(received).as("the agent logs each message it receives").isPositive();
        javafx.scene.control.Slider scrubber = (javafx.scene.control.Slider) replayStage().getScene().lookup("#replay-scrubber");
        ListView<?> logs = (ListView<?>) replayStage().getScene().lookup("#replay-logs");
        int at = received;
        interact(() -> scrubber.setValue(at)); // one entry before it
        awaitDrawn();
        assertThat(onFx(() -> logs.getItems().stream().map(Object::toString).toList())).isNotEmpty()
                .noneMatch(l -> l.contains("received"));
        interact(() -> scrubber.setValue(at + 1));
        awaitDrawn();
        assertThat(onFx(() -> ((TimelineEntry) logs.getItems().get(logs.getItems().size() - 1)).summary()))
                .isEqualTo(stored.get(received).summary());
        assertThat(onFx(() -> replay().model().frame().logs())).last().isEqualTo(stored.get(received));
        snapshot(replayStage().getScene().getRoot(), "console-replay-logs.png");

        // play at 100× with frames the test hands over: it ends at the last entry, paused, reply whole
        interact(() -> {
            for (int i = 0; i < 500 && !replay().model().atEnd(); i++) {
                replay().advance(Duration.ofMillis(16));
            }
        });
        assertThat(onFx(() -> replay().model().atEnd())).isTrue();
        assertThat(onFx(() -> replay().model().frame().state())).isEqualTo(SessionState.IDLE);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(onFx(() -> conversation.getItems().get(1).toString()))
                .contains("streaming=false").contains("two"));
        assertThat(when.getText()).startsWith(stored.size() + " / " + stored.size());
        interact(() -> replayStage().close());
    }

    /** Waits until the window's lists and conversation show the cursor (they follow it one a frame). */
    private void awaitDrawn() {
        await().atMost(Duration.ofSeconds(5)).until(() -> onFx(() -> replay().drawn()));
    }

    private static int indexOf(List<TimelineEntry> entries, String kind) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).kind().equals(kind)) {
                return i;
            }
        }
        throw new AssertionError("no " + kind + " on the timeline");
    }

    private Stage replayStage() {
        return onFx(() -> Window.getWindows().stream().filter(w -> w instanceof Stage s && s.getTitle() != null
                && s.getTitle().startsWith("Replay")).map(w -> (Stage) w).findFirst().orElse(null));
    }

    private ReplayWindow replay() {
        Stage s = replayStage();
        return s == null ? null : (ReplayWindow) s.getUserData();
    }

    @SuppressWarnings("unchecked")
    private ListView<TimelineEntry> replayList() {
        return (ListView<TimelineEntry>) replayStage().getScene().lookup("#replay-timeline");
    }
}
