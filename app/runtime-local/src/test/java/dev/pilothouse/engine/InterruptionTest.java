package dev.pilothouse.engine;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Waiting loops end when their thread is interrupted, and the thread keeps its interrupt flag. */
class InterruptionTest extends EngineTestBase {

    @Test
    void anInterruptedStartStopsWaitingForHealthAndLeavesTheSessionInError() {
        shellAgent("mute", "exec sleep 600"); // runs, never answers /healthz: the start would wait 90 s
        AtomicReference<Session> result = new AtomicReference<>();
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            result.set(engine.create(new CreateRequest("waiting", null, null, List.of("mute"), null, null, null, null,
                    null), ev -> { }).session());
            flagKept.set(Thread.currentThread().isInterrupted());
        }, "starter");
        starter.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.sessions(false).stream()
                .anyMatch(s -> s.name().equals("waiting") && s.state() == SessionState.INIT));
        starter.interrupt();
        await().atMost(Duration.ofSeconds(20)).until(() -> !starter.isAlive());
        assertThat(result.get().state()).isEqualTo(SessionState.ERROR);
        assertThat(result.get().terminationReason()).contains("interrupted");
        assertThat(flagKept.get()).as("the interrupt flag is restored").isTrue();
        assertThat(engine.session("waiting").state()).isEqualTo(SessionState.ERROR);
    }
}
