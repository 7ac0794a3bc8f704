package dev.pilothouse.agent.reference;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The waiting-timeout rules, on a clock the test moves. */
class IdleTimerTest {
    final AtomicLong now = new AtomicLong(1_000);
    final IdleTimer timer = new IdleTimer(10, now::get);

    private void advanceSeconds(long s) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(s));
    }

    @Test
    void runsFromTheStart() {
        advanceSeconds(4);

        assertThat(timer.remainingNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(6));
    }

    @Test
    void neverRunsOutWhileAMessageIsInFlightAndRestartsWhenItEnds() {
        advanceSeconds(8);
        assertThat(timer.messageStarted()).isTrue();
        advanceSeconds(60);
        assertThat(timer.remainingNanos()).isEqualTo(Long.MAX_VALUE);

        timer.messageFinished();
        advanceSeconds(3);

        assertThat(timer.remainingNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(7));
    }

    @Test
    void onceExpiredRefusesNewMessages() throws InterruptedException {
        advanceSeconds(10);

        timer.awaitExpiry(); // returns at once: the time is up

        assertThat(timer.messageStarted()).isFalse();
    }
}
