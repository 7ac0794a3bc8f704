package dev.pilothouse.engine;

import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.AgentProcesses;
import dev.pilothouse.testing.EngineTestBase;
import dev.pilothouse.testing.ManualScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 4: in background mode a session's waiting timeout and TTL are delayed re-queues
 * of its key in the engine's work queue, set whenever the session changes, not a periodic scan.
 * The queue's delays wait on a scheduler driven by the test's clock.
 */
class TimerQueueTest extends EngineTestBase {

    private ManualScheduler scheduler;

    private Engine background() {
        scheduler = new ManualScheduler(clock);
        engine.close(); // one engine per data dir: this one runs the timers
        return openEngine("alice", c -> c.withBackground(true).withScheduler(scheduler));
    }

    @Test
    void theWaitingTimeoutFiresFromTheQueueAndActivityMovesIt() {
        Engine e = background();
        Instant t0 = clock.instant();
        Session s = e.create(CreateRequest.of("timed", "reference").withTimeouts(600L, null), null).session();
        WorkKey key = new WorkKey.OfSession(s.id());
        // the first look (the start's deadline) sets the look at the waiting timeout
        scheduler.advance(Duration.ofSeconds(300));
        await().atMost(Duration.ofSeconds(30)).until(() -> t0.plusSeconds(600).equals(e.queue().delayedUntil(key)));

        e.send(s.id(), null, "$ echo activity", null); // the deadline moves to 300 + 600 s
        assertThat(e.queue().delayedUntil(key)).as("the earliest look is kept").isEqualTo(t0.plusSeconds(600));
        scheduler.advance(Duration.ofSeconds(300));
        // the look at 600 s finds the session not due and sets the next one
        await().atMost(Duration.ofSeconds(30)).until(() -> t0.plusSeconds(900).equals(e.queue().delayedUntil(key)));
        assertThat(e.session(s.id()).state()).isEqualTo(SessionState.READY);

        scheduler.advance(Duration.ofSeconds(299));
        assertThat(e.session(s.id()).state()).isEqualTo(SessionState.READY);
        scheduler.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> e.session(s.id()).state() == SessionState.IDLE);
        Session idle = e.session(s.id());
        assertThat(idle.terminationReason()).isEqualTo("waiting timeout: no messages for 600 s");
        assertThat(idle.phase()).isEqualTo(Phase.PAUSED);
        // the agents are stopped right after IDLE is recorded (outside the session's lock): gone soon after
        await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.of(s.id()).isEmpty());
        assertThat(e.events(s.id(), 0, 100)).anyMatch(ev -> ev.kind().equals(AuditEvent.TRANSITION)
                && ev.to() == SessionState.IDLE && ev.actor().equals("engine"));
    }

    @Test
    void theTtlOfAnIdleSessionFiresFromTheQueue() {
        Engine e = background();
        Instant t0 = clock.instant();
        Session s = e.create(CreateRequest.of("expiring", "reference").withTimeouts(30L * 24 * 3600, 3600L), null).session();
        e.pause(s.id());
        WorkKey key = new WorkKey.OfSession(s.id());

        scheduler.advance(Duration.ofMinutes(59));
        await().atMost(Duration.ofSeconds(30)).until(() -> t0.plusSeconds(3600).equals(e.queue().delayedUntil(key)));
        assertThat(e.session(s.id()).completed()).isFalse();
        scheduler.advance(Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> e.session(s.id()).completed());
        assertThat(e.session(s.id()).terminationReason()).isEqualTo("TTL expired: no activity for 3600 s");
    }
}
