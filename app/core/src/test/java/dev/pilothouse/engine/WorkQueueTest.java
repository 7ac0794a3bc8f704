package dev.pilothouse.engine;

import dev.pilothouse.testing.ManualScheduler;
import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkQueueTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T09:00:00Z"));
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<WorkQueue<String>> queues = new ArrayList<>();

    private WorkQueue<String> queue(int workers, WorkQueue.Handler<String> handler) {
        return queue(workers, WorkQueue.Limits.DEFAULT, handler);
    }

    private WorkQueue<String> queue(int workers, WorkQueue.Limits limits, WorkQueue.Handler<String> handler) {
        WorkQueue<String> q = new WorkQueue<>("test-queue", workers, scheduler, limits, handler);
        queues.add(q);
        return q;
    }

    @AfterEach
    void close() {
        queues.forEach(WorkQueue::close);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released").isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void idle(WorkQueue<String> q, String... keys) {
        await().atMost(Duration.ofSeconds(30)).until(() -> q.depth() == 0
                && java.util.Arrays.stream(keys).noneMatch(q::processing));
    }

    @Test
    void aKeyAddedManyTimesWhileWaitingIsHandledOnce() {
        CountDownLatch release = new CountDownLatch(1);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        WorkQueue<String> q = queue(1, key -> {
            runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (key.equals("blocker")) {
                awaitLatch(release);
            }
            return WorkQueue.Result.done();
        });
        q.add("blocker");
        await().atMost(Duration.ofSeconds(30)).until(() -> q.processing("blocker"));
        for (int i = 0; i < 5; i++) {
            q.add("session-a");
            q.add("session-b");
        }
        assertThat(q.depth()).as("one pending entry per key").isEqualTo(2);

        release.countDown();
        idle(q, "blocker", "session-a", "session-b");
        assertThat(runs.get("session-a")).hasValue(1);
        assertThat(runs.get("session-b")).hasValue(1);
        assertThat(runs.get("blocker")).hasValue(1);
    }

    @Test
    void aKeyAddedWhileItsHandlerRunsWaitsForItAndRunsOnceMoreNeverAlongside() {
        CountDownLatch firstRunStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(4, key -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                if (runs.incrementAndGet() == 1) {
                    firstRunStarted.countDown();
                    awaitLatch(release);
                }
                return WorkQueue.Result.done();
            } finally {
                running.decrementAndGet();
            }
        });
        q.add("reconcile/lab");
        awaitLatch(firstRunStarted);
        for (int i = 0; i < 10; i++) {
            q.add("reconcile/lab");
        }
        assertThat(q.depth()).as("the follow-up waits for the running handler, not for a free worker").isZero();
        assertThat(runs).hasValue(1);

        release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 2 && !q.processing("reconcile/lab"));
        assertThat(maxRunning).as("never two handlers of one key").hasValue(1);
        assertThat(q.depth()).isZero();
        assertThat(runs).as("ten adds during the run coalesce into one follow-up").hasValue(2);
    }

    @Test
    void underConcurrentAddsEveryAddIsFollowedByARunAndNoKeyRunsTwiceAtOnce() throws Exception {
        int keys = 8;
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        Map<String, AtomicLong> lastAdd = new ConcurrentHashMap<>();
        Map<String, AtomicLong> lastRunStart = new ConcurrentHashMap<>();
        AtomicLong ticks = new AtomicLong();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        WorkQueue<String> q = queue(4, key -> {
            lastRunStart.computeIfAbsent(key, k -> new AtomicLong()).set(ticks.incrementAndGet());
            if (running.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet() > 1) {
                overlaps.add(key);
            }
            Thread.onSpinWait();
            running.get(key).decrementAndGet();
            return WorkQueue.Result.done();
        });
        List<Thread> adders = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 6; t++) {
            Thread th = new Thread(() -> {
                awaitLatch(go);
                for (int i = 0; i < 2_000; i++) {
                    String key = "k" + ThreadLocalRandom.current().nextInt(keys);
                    lastAdd.computeIfAbsent(key, k -> new AtomicLong()).set(ticks.incrementAndGet());
                    q.add(key);
                }
            });
            th.start();
            adders.add(th);
        }
        go.countDown();
        for (Thread th : adders) {
            th.join(60_000);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> lastAdd.keySet().stream()
                .allMatch(k -> lastRunStart.containsKey(k) && lastRunStart.get(k).get() > lastAdd.get(k).get()
                        && !q.processing(k)));
        assertThat(overlaps).isEmpty();
    }

    @Test
    void aFailingHandlerIsRetriedWithExponentialBackoffAndASuccessForgetsTheFailures() {
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(1, new WorkQueue.Limits(Duration.ofMillis(100), Duration.ofSeconds(1), 10), key -> {
            if (runs.incrementAndGet() <= 3) {
                throw new IllegalStateException("cluster unreachable");
            }
            return WorkQueue.Result.done();
        });
        Instant t0 = clock.instant();
        q.add("session-a");
        await().atMost(Duration.ofSeconds(30)).until(() -> q.delayedUntil("session-a") != null);
        assertThat(q.delayedUntil("session-a")).isEqualTo(t0.plusMillis(100));
        assertThat(q.retries("session-a")).isEqualTo(1);

        scheduler.advance(Duration.ofMillis(99));
        assertThat(runs).as("not before its time").hasValue(1);
        scheduler.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 2 && q.delayedUntil("session-a") != null);
        assertThat(q.delayedUntil("session-a")).isEqualTo(t0.plusMillis(100 + 200));

        scheduler.advance(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 3 && q.delayedUntil("session-a") != null);
        assertThat(q.delayedUntil("session-a")).isEqualTo(t0.plusMillis(100 + 200 + 400));

        scheduler.advance(Duration.ofMillis(400));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 4 && q.retries("session-a") == 0);
        assertThat(q.delayedUntil("session-a")).isNull();
        assertThat(q.backoff(20)).as("capped").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aKeyThatKeepsFailingIsDroppedAfterItsRetries() {
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(1, new WorkQueue.Limits(Duration.ofMillis(10), Duration.ofSeconds(1), 2), key -> {
            runs.incrementAndGet();
            throw new IllegalStateException("always");
        });
        q.add("k");
        for (int i = 1; i <= 2; i++) {
            int expected = i;
            await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == expected && q.delayedUntil("k") != null);
            scheduler.advance(Duration.ofSeconds(1));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 3 && q.retries("k") == 0);
        assertThat(q.delayedUntil("k")).as("given up").isNull();
        q.add("k");
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 4);
    }

    @Test
    void ofSeveralDelayedAddsOfAKeyOnlyTheEarliestIsKept() {
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(1, key -> {
            runs.incrementAndGet();
            return WorkQueue.Result.done();
        });
        Instant t0 = clock.instant();
        q.addAfter("ttl/a", Duration.ofSeconds(10));
        q.addAfter("ttl/a", Duration.ofSeconds(5));
        q.addAfter("ttl/a", Duration.ofSeconds(20));
        assertThat(q.delayedUntil("ttl/a")).isEqualTo(t0.plusSeconds(5));
        assertThat(scheduler.pending()).as("the later timer was cancelled, not left to fire").isEqualTo(1);

        scheduler.advance(Duration.ofSeconds(4));
        assertThat(runs).hasValue(0);
        scheduler.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 1 && !q.processing("ttl/a"));
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(runs).hasValue(1);
        assertThat(q.delayedUntil("ttl/a")).isNull();
    }

    @Test
    void aHandlerCanAskToLookAgainLater() {
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(1, key -> runs.incrementAndGet() == 1
                ? WorkQueue.Result.after(Duration.ofMinutes(5)) : WorkQueue.Result.done());
        q.add("idle/a");
        await().atMost(Duration.ofSeconds(30)).until(() -> q.delayedUntil("idle/a") != null);
        assertThat(q.delayedUntil("idle/a")).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        scheduler.advance(Duration.ofMinutes(5));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == 2);
    }

    @Test
    void aRequestIsAnsweredByARunThatStartedAfterItAndConcurrentRequestsShareIt() throws Exception {
        CountDownLatch firstRunStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        WorkQueue<String> q = queue(2, key -> {
            int n = runs.incrementAndGet();
            if (n == 1) {
                firstRunStarted.countDown();
                awaitLatch(release);
            }
            return WorkQueue.Result.done("report of run " + n);
        });
        CompletableFuture<Object> first = q.request("context/lab");
        awaitLatch(firstRunStarted);
        CompletableFuture<Object> second = q.request("context/lab");
        CompletableFuture<Object> third = q.request("context/lab");
        assertThat(second).isNotDone();

        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("report of run 1");
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("report of run 2");
        assertThat(third.get(30, TimeUnit.SECONDS)).isEqualTo("report of run 2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void aRequestSeesItsRunsFailureAndShutDownFailsWhatIsStillWaiting() {
        CountDownLatch release = new CountDownLatch(1);
        WorkQueue<String> q = queue(1, key -> {
            if (key.equals("bad")) {
                throw new IllegalStateException("forbidden: missing permission 'list pods'");
            }
            awaitLatch(release);
            return WorkQueue.Result.done();
        });
        assertThatThrownBy(() -> q.request("bad").get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("missing permission");

        q.add("slow");
        await().atMost(Duration.ofSeconds(30)).until(() -> q.processing("slow"));
        CompletableFuture<Object> waiting = q.request("other");
        new Thread(() -> {
            // the running handler is let go only once shutdown has begun
            await().atMost(Duration.ofSeconds(30)).until(waiting::isDone);
            release.countDown();
        }).start();
        q.shutDown(Duration.ofSeconds(30));
        assertThat(waiting).isCompletedExceptionally();
        assertThatThrownBy(waiting::join).isInstanceOf(CancellationException.class).hasMessageContaining("shut down");
        assertThat(q.request("after").isCompletedExceptionally()).isTrue();
    }
}
