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
        assertThat(viewer.followProperty().get()).isTrue();

        // log-viewer.css reaches the real window: rows in the monospaced font, the toolbar styled
        Text row = lookup(".log-row .log-text").queryAs(Text.class);
        assertThat(row.getFont().getFamily()).isEqualTo("Monospaced");
        assertThat(lookup(".log-toolbar").query().getStyleClass()).contains("log-toolbar");
        assertThat(((javafx.scene.layout.Region) lookup(".log-toolbar").query()).getBackground()).isNotNull();
        snapshot(window.stage().getScene().getRoot(), "console-logs-tab.png");
    }

    /** The text of the log rows on screen. */
    private List<String> shownLines(LogViewer viewer) {
        return robot.interact(() -> { }) == null ? List.of() : viewer.lookupAll(".log-row").stream()
                .filter(Node::isVisible).map(r -> ((Text) r.lookup(".log-text")).getText()).toList();
    }
}
