package dev.pilothouse.console.detail;

import dev.pilothouse.console.Background;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.main.SessionListModel;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Logs tab with a log source the test controls: a superseded subscription cannot write into the viewer. */
@ExtendWith(ApplicationExtension.class)
class LogsPaneTest {
    private final Map<String, Consumer<List<LogLine>>> sinks = new ConcurrentHashMap<>();
    private LogsPane pane;

    @Start
    void start(Stage stage) {
        Console console = new Console(null, new Background(n -> { }), new SessionListModel(), id -> { },
                new Console.Notifier() {
                    @Override
                    public void error(String message) {
                    }

                    @Override
                    public void info(String message) {
                    }
                });
        pane = new LogsPane(console, (id, agent, options, sink) -> {
            sinks.put(agent, sink);
            return () -> { };
        });
        stage.setScene(new Scene(pane, 800, 500));
        stage.show();
    }

    @Test
    void linesFromASupersededSubscriptionNeverReachTheViewer(FxRobot robot) {
        robot.interact(() -> pane.show(session(), null));
        await().until(() -> sinks.containsKey("first"));
        Consumer<List<LogLine>> stale = sinks.get("first");

        @SuppressWarnings("unchecked")
        ComboBox<String> agent = robot.lookup("#log-agent").queryAs(ComboBox.class);
        robot.interact(() -> agent.setValue("second"));
        await().until(() -> sinks.containsKey("second"));

        // the first agent's reader delivers a batch it read before it was closed
        stale.accept(List.of(new LogLine(Instant.now(), "from the first agent")));
        sinks.get("second").accept(List.of(new LogLine(Instant.now(), "from the second agent")));
        await().until(() -> pane.viewer().lineCount() >= 1);
        robot.interact(() -> { });
        assertThat(pane.viewer().lineCount()).as("only the second agent's line").isEqualTo(1);
    }

    private static Session session() {
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        return new Session.Builder().id("s1").name("logged").context("local").namespace("default").startingPrompt("")
                .state(SessionState.READY).phase(Phase.RUNNING).waitingTimeoutSeconds(300).ttlSeconds(3600).metadata("{}")
                .agents(List.of(new SessionAgent("a1", "first", null, null), new SessionAgent("a2", "second", null, null)))
                .resources(Resources.DEFAULT).createdBy("t").createdAt(t).updatedAt(t).lastActivityAt(t).version(1).build();
    }
}
