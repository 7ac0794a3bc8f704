package dev.pilothouse.console;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Overview of a starting session says what the start waits for, and keeps counting. */
class StartProgressUiTest extends ConsoleTestBase {

    @Test
    void aStartingSessionsOverviewSaysWhichAgentItWaitsFor() {
        awaitReady();
        // an agent whose process runs but never answers /healthz: the start waits for it
        engine().createAgent(new AgentDefinition(null, "mute", null, List.of("sleep", "600"), null, null, Map.of(),
                8080, null, null, null, null));
        CompletableFuture<?> creating = CompletableFuture.runAsync(() -> engine().create(CreateRequest.of("hushed", "mute"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("hushed") != null);
        await().untilAsserted(() -> clickRow("hushed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> lookupText("#fact-start-up"))
                .matches("waiting for agent 'mute' \\(pid \\d+, \\d+ s\\) to answer /healthz"));
        snapshot(window.stage().getScene().getRoot(), "start-progress.png");

        // the agent dies: the start fails at once, and the row goes with it
        Session s = engine().session("hushed");
        ((LocalRuntime) engine().runtime(s)).pids(s.id()).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
        creating.join();
        assertThat(engine().session("hushed").state()).isEqualTo(SessionState.ERROR);
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> lookupText("#fact-start-up")).isEmpty());
    }

    @Test
    void aSessionWaitingForItsScheduledStartSaysWhenInsteadOfLookingStuck() {
        awaitReady();
        Instant at = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        engine().create(CreateRequest.of("later", "reference").withScheduledAt(at), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("later") != null);
        await().untilAsserted(() -> clickRow("later"));
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> lookupText("#fact-scheduled-start"))
                .equals("starts at " + at + " (resume starts it now; delete cancels it)"));
        assertThat(onFx(() -> lookupText("#fact-start-up"))).as("not starting yet: no start-up progress").isEmpty();
    }

    private String lookupText(String id) {
        return window.stage().getScene().lookup(id) instanceof Label l ? l.getText() : "";
    }
}
