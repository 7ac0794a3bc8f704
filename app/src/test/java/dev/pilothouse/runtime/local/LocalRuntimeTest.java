package dev.pilothouse.runtime.local;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The local runtime with real processes and real files. */
class LocalRuntimeTest {
    @TempDir
    Path dataDir;
    private final List<LocalRuntime> opened = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
        opened.forEach(LocalRuntime::close);
    }

    static AgentDefinition shell(String name, String script) {
        return new AgentDefinition("id-" + name, name, null, List.of("sh", "-c", script), null, null, Map.of(), 0,
                new Resources(null, null, null), null, null, null);
    }

    static Session session(AgentDefinition agent) {
        return Fixtures.newSession(agent, "s-" + agent.name(), SessionState.INIT, Instant.now());
    }

    LocalRuntime runtime(long graceMillis) {
        LocalRuntime r = new LocalRuntime(dataDir, graceMillis);
        opened.add(r);
        return r;
    }

    @Test
    void anInterruptedStopKillsAtOnceInsteadOfWaitingOutTheGracePeriod() {
        AgentDefinition stubborn = shell("stubborn", "trap '' TERM; echo started; while :; do sleep 1; done");
        Session s = session(stubborn);
        LocalRuntime runtime = runtime(600_000); // a grace period the test would never see end
        runtime.start(s, List.of(stubborn));
        long pid = runtime.pids(s.id()).get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.lastLogLines(s.id(), "stubborn", 1).contains("started"));
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread stopper = new Thread(() -> {
            runtime.stop(s.id());
            flagKept.set(Thread.currentThread().isInterrupted());
        }, "stopper");
        stopper.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        stopper.interrupt();
        await().atMost(Duration.ofSeconds(10)).until(() -> !stopper.isAlive());
        assertThat(flagKept.get()).as("the interrupt flag is restored").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }
}
