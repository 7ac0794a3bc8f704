package dev.pilothouse.console;

import dev.pilothouse.console.logs.LogViewer;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.SessionState;
import javafx.scene.Node;
import javafx.scene.input.KeyCode;
import javafx.scene.text.Text;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Logs tab of the real console: a live agent's log in the log viewer, styled by its stylesheet. */
class LogsUiTest extends ConsoleTestBase {

    @Test
    void theLogsTabFollowsTheAgentsLogLive() {
        awaitReady();
        engine().create(CreateRequest.of("logged", "reference"), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("logged") != null
                && shownRow("logged").state() == SessionState.READY);
        // the table's cells follow its items a pulse later: retry until the row is drawn
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> clickRow("logged"));
        await().atMost(Duration.ofSeconds(10)).until(() -> selected() != null && selected().name().equals("logged"));
        press(KeyCode.CONTROL).press(KeyCode.DIGIT4).release(KeyCode.DIGIT4).release(KeyCode.CONTROL);

        LogViewer viewer = lookup(".log-viewer").queryAs(LogViewer.class);
        await().atMost(Duration.ofSeconds(15)).until(() -> shownLines(viewer).stream().anyMatch(l -> l.contains("listening")));
        int before = viewer.lineCount();

        // a message makes the agent log a line; the viewer, following, shows it without a click
        engine().send("logged", null, "$ echo hi", null);
        await().atMost(Duration.ofSeconds(15)).until(() -> shownLines(viewer).stream()
                .anyMatch(l -> l.contains("message") && l.contains("received")));
        assertThat(viewer.lineCount()).isGreaterThan(before);
        // following: the bottom row on screen is the log's last line (as the engine reads it)
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String last = lastLine("logged");
            String bottom = bottomRow(viewer);
            return last != null && bottom != null && bottom.contains(last.strip());
        });

        // log-viewer.css reaches the real window: rows in the monospaced font, the toolbar styled
        Text row = lookup(".log-row .log-text").queryAs(Text.class);
        assertThat(row.getFont().getFamily()).isEqualTo("Monospaced");
        javafx.scene.layout.Region toolbar = lookup(".log-toolbar").queryAs(javafx.scene.layout.Region.class);
        assertThat(toolbar.getPadding()).as("log-viewer.css's toolbar padding")
                .isEqualTo(new javafx.geometry.Insets(4, 6, 4, 6));
        assertThat(toolbar.getBorder()).as("log-viewer.css's toolbar border").isNotNull();
        snapshot(window.stage().getScene().getRoot(), "console-logs-tab.png");
    }

    /** The text of the lowest log row on screen. */
    private String bottomRow(LogViewer viewer) {
        return onFx(() -> viewer.lookupAll(".log-row").stream().filter(Node::isVisible)
                .filter(r -> r.localToScene(r.getBoundsInLocal()).getMaxY() <= viewer.localToScene(viewer.getBoundsInLocal()).getMaxY() + 1)
                .max(java.util.Comparator.comparingDouble(r -> r.localToScene(r.getBoundsInLocal()).getMaxY()))
                .map(r -> ((Text) r.lookup(".log-text")).getText()).orElse(null));
    }

    /** The agent's last log line, read by the engine itself. */
    private String lastLine(String session) {
        List<dev.pilothouse.runtime.LogLine> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (dev.pilothouse.runtime.LogSubscription sub = engine().logs(session, "reference",
                new dev.pilothouse.runtime.LogOptions(1, false, false), got::addAll)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !got.isEmpty());
        }
        return got.get(got.size() - 1).text();
    }

    /** The text of the log rows on screen. */
    private List<String> shownLines(LogViewer viewer) {
        return robot.interact(() -> { }) == null ? List.of() : viewer.lookupAll(".log-row").stream()
                .filter(Node::isVisible).map(r -> ((Text) r.lookup(".log-text")).getText()).toList();
    }
}
