package dev.pilothouse.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Whether the engine that owns a session still runs: a killed, unreaped process does not. */
class OwnerTest {

    @Test
    void aProcessKilledButNotYetReapedIsNoLiveOwner() throws Exception {
        // the shell's child exits at once, but its parent (now `sleep 30`) never waits for it: a zombie
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & exec sleep 30").start();
        try {
            ProcessHandle child = await().atMost(Duration.ofSeconds(30))
                    .until(() -> parent.toHandle().children().findFirst().orElse(null), c -> c != null);
            long start = child.info().startInstant().orElse(Instant.EPOCH).toEpochMilli();
            String owner = child.pid() + ":" + start + ":deadbeef";
            await().atMost(Duration.ofSeconds(30)).until(() -> dev.pilothouse.runtime.Processes.zombie(child.pid()));
            assertThat(child.isAlive()).as("the JDK still counts a zombie alive").isTrue();
            assertThat(dev.pilothouse.runtime.Processes.running(child)).as("but it no longer runs").isFalse();
            assertThat(dev.pilothouse.runtime.Processes.running(parent.toHandle())).isTrue();
            assertThat(Owner.alive(owner)).isFalse();

            String parentOwner = parent.pid() + ":" + parent.toHandle().info().startInstant().orElseThrow().toEpochMilli()
                    + ":deadbeef";
            assertThat(Owner.alive(parentOwner)).as("a running process is a live owner").isTrue();
        } finally {
            parent.destroyForcibly();
        }
    }
}
