package dev.pilothouse.guardrails;

import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** rate-limiting: token buckets per session and per agent, driven by a clock the test moves (never by waiting). */
class GuardrailRateLimitTest {
    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
    private final MutableClock clock = new MutableClock(T0);

    private Guardrails guardrails(String spec) {
        return Guardrails.parse(List.of(spec), clock);
    }

    private static boolean allowed(Verdict v) {
        return v instanceof Verdict.Allowed;
    }

    @Test
    void aBurstGoesThroughThenOneMessagePerIntervalAndTheRefusalSaysWhenToRetry() {
        Guardrails g = guardrails("rate-limiting:session=30,session-burst=3,agent=off");
        for (int k = 0; k < 3; k++) {
            assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).as("message %d of the burst", k + 1).isTrue();
        }
        Verdict v = g.check(Direction.TO_AGENT, "s1", "a", "hi");
        assertThat(v).isInstanceOf(Verdict.Refused.class);
        Verdict.Refused r = (Verdict.Refused) v;
        // 30 a minute: one every 2 s; after 3 at once the next place is 2 s on
        assertThat(r.retryAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.guardrail()).isEqualTo("rate-limiting");
        assertThat(r.reason()).isEqualTo("too many messages: rate-limiting allows 30 a minute to this session, 3 at once;"
                + " retry in 2 s, at 2026-03-01T09:00:02Z");
        assertThat(r.hits()).containsExactly(new Hit("rate-limiting", Direction.TO_AGENT, "session-rate", Action.REFUSE, 0, 2));
        assertThat(r.deliverable()).isEmpty();

        clock.advance(Duration.ofMillis(1999));
        assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).as("1 ms early").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).as("at retryAt").isTrue();
        assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).as("and only one").isFalse();

        clock.advance(Duration.ofMinutes(5));
        for (int k = 0; k < 3; k++) {
            assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).as("the burst again after a rest").isTrue();
        }
        assertThat(allowed(g.check(Direction.TO_AGENT, "s1", "a", "hi"))).isFalse();
    }

    @Test
    void aRefusedMessageUsesUpNothing() {
        Guardrails g = guardrails("rate-limiting:session=60,session-burst=1,agent=off");
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", null, "x"))).isTrue();
        for (int k = 0; k < 50; k++) {
            assertThat(allowed(g.check(Direction.TO_AGENT, "s", null, "x"))).isFalse();
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", null, "x"))).as("the 50 refusals did not push the retry time on").isTrue();
    }

    @Test
    void eachAgentHasItsBucketAndTheSessionsBucketHoldsThemAll() {
        Guardrails g = guardrails("rate-limiting:session=60,session-burst=5,agent=6,agent-burst=2");
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "alpha", "x"))).isTrue();
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "alpha", "x"))).isTrue();
        Verdict.Refused r = (Verdict.Refused) g.check(Direction.TO_AGENT, "s", "alpha", "x");
        assertThat(r.reason()).startsWith("too many messages: rate-limiting allows 6 a minute to agent alpha in this session, 2 at once;"
                + " retry in 10 s");
        assertThat(r.hits().get(0).kind()).isEqualTo("agent-rate");
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "beta", "x"))).as("another agent, its own bucket").isTrue();
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "beta", "x"))).isTrue();
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "gamma", "x"))).as("fifth of the session's burst").isTrue();
        Verdict.Refused full = (Verdict.Refused) g.check(Direction.TO_AGENT, "s", "delta", "x");
        assertThat(full.reason()).as("the session's bucket is the one full now")
                .startsWith("too many messages: rate-limiting allows 60 a minute to this session, 5 at once; retry in 1 s");
        assertThat(allowed(g.check(Direction.TO_AGENT, "other-session", "alpha", "x"))).as("other sessions are apart").isTrue();
    }

    @Test
    void repliesToTheOperatorAreNotRateLimited() {
        Guardrails g = guardrails("rate-limiting:session=1,session-burst=1,agent=off");
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "a", "x"))).isTrue();
        for (int k = 0; k < 100; k++) {
            assertThat(allowed(g.check(Direction.TO_OPERATOR, "s", "a", "reply"))).isTrue();
        }
        assertThat(allowed(g.check(Direction.TO_AGENT, "s", "a", "x"))).isFalse();
    }

    @Test
    void idleSessionsAreDroppedAndForgottenSessionsStartFull() {
        RateLimiter limiter = new RateLimiter(new RateLimitSpec(60, 2, 30, 1), clock);
        for (int s = 0; s < 100; s++) {
            assertThat(limiter.acquire("s" + s, "a").allowed()).isTrue();
        }
        assertThat(limiter.sessionsKept()).isEqualTo(100);
        limiter.sweep(limiter.now());
        assertThat(limiter.sessionsKept()).as("none full again yet").isEqualTo(100);
        clock.advance(Duration.ofSeconds(2)); // agent bucket: 1 at once, 30 a minute, full after 2 s
        limiter.sweep(limiter.now());
        assertThat(limiter.sessionsKept()).isZero();
        assertThat(limiter.acquire("s1", "a").allowed()).isTrue();
        assertThat(limiter.acquire("s1", "a").allowed()).isFalse();
        limiter.forget("s1");
        assertThat(limiter.acquire("s1", "a").allowed()).as("a forgotten session starts with full buckets").isTrue();
    }

    @Test
    void manyThreadsOnOneSessionGetExactlyTheBurst() throws Exception {
        Guardrails g = guardrails("rate-limiting:session=10,session-burst=50,agent=off");
        AtomicInteger allowedCount = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    for (int k = 0; k < 500; k++) {
                        if (allowed(g.check(Direction.TO_AGENT, "shared", "a", "x"))) {
                            allowedCount.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(allowedCount.get()).isEqualTo(50);
    }

    @Test
    void manySessionsAtOnceEachGetTheirOwnBurst() throws Exception {
        Guardrails g = guardrails("rate-limiting:session=10,session-burst=3,agent=6,agent-burst=2");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<int[]>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                tasks.add(() -> {
                    int[] counts = new int[2];
                    for (int s = 0; s < 200; s++) {
                        String session = "t" + thread + "-s" + s;
                        for (int k = 0; k < 5; k++) {
                            counts[0] += allowed(g.check(Direction.TO_AGENT, session, "a", "x")) ? 1 : 0;
                            counts[1] += allowed(g.check(Direction.TO_AGENT, session, "b", "x")) ? 1 : 0;
                        }
                    }
                    return counts;
                });
            }
            for (Future<int[]> f : pool.invokeAll(tasks)) {
                int[] c = f.get();
                // per session: agent a gets its burst of 2, b gets the session's third place
                assertThat(c[0]).isEqualTo(200 * 2);
                assertThat(c[1]).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
