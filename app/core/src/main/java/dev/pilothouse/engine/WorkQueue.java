package dev.pilothouse.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A queue of keys to look at, after controller-runtime's (client-go's) workqueue: the engine puts
 * a session's or a context's key in it whenever something may have changed (a runtime event, a
 * reconnect, a timer), and a handler brings that key's world in line with what it should be.
 *
 * <ul>
 *   <li><b>At most one pending entry per key.</b> Adding a key that is already waiting does
 *       nothing: a burst of events about one session becomes one look at it.</li>
 *   <li><b>At most one handler per key at a time.</b> A key added while its handler runs is not
 *       handed to another worker; it is queued again once the handler returns (one follow-up,
 *       however many adds came meanwhile).</li>
 *   <li><b>Rate-limited retries.</b> A handler that throws has its key added again after an
 *       exponential backoff ({@code baseDelay * 2^(failures-1)}, at most {@code maxDelay}), up to
 *       {@code maxRetries} times in a row; a success forgets the failures.</li>
 *   <li><b>Delayed adds.</b> {@link #addAfter} puts the key in the queue when the delay has passed,
 *       on the {@link Scheduler}'s time; of several pending delayed adds of one key only the
 *       earliest is kept. Timers (waiting timeouts, TTLs, deadlines) are delayed adds, not scans.</li>
 * </ul>
 *
 * <p>{@link #request} adds a key and returns a future completed by the first handler run that
 * starts after the call: a caller that needs the outcome (a context switch waiting for its
 * reconcile) waits for it, and concurrent requests share one run.
 *
 * <p>Handlers must not wait for the queue themselves (a worker waiting on a worker can deadlock).
 */
public final class WorkQueue<K> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkQueue.class);

    /** Looks at one key; what it returns completes the key's {@link #request} futures. */
    @FunctionalInterface
    public interface Handler<K> {
        Result handle(K key) throws Exception;
    }

    /**
     * A handler's outcome: a value for the waiting requests, and optionally when to look at the key
     * again (a deadline the handler knows of).
     */
    public record Result(Object value, Duration requeueAfter) {
        public static Result done() {
            return new Result(null, null);
        }

        public static Result done(Object value) {
            return new Result(value, null);
        }

        public static Result after(Duration requeueAfter) {
            return new Result(null, requeueAfter);
        }

        public Result andAfter(Duration d) {
            return new Result(value, d);
        }
    }

    /** Where delayed adds wait: real time in the engine, a clock the test moves in tests. */
    public interface Scheduler {
        Instant now();

        /** Runs {@code task} once {@code delay} has passed; the returned handle cancels it. */
        Runnable schedule(Runnable task, Duration delay);

        /** A scheduler on a {@link ScheduledExecutorService}, telling time with {@code clock}. */
        static Scheduler of(ScheduledExecutorService executor, Clock clock) {
            return new Scheduler() {
                @Override
                public Instant now() {
                    return clock.instant();
                }

                @Override
                public Runnable schedule(Runnable task, Duration delay) {
                    if (executor.isShutdown()) {
                        return () -> {
                        };
                    }
                    ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
                    return () -> f.cancel(false);
                }
            };
        }
    }

    /** Backoff and retry limits of a queue. */
    public record Limits(Duration baseDelay, Duration maxDelay, int maxRetries) {
        public static final Limits DEFAULT = new Limits(Duration.ofMillis(20), Duration.ofSeconds(30), 12);
    }

    private final String name;
    private final Handler<K> handler;
    private final Scheduler scheduler;
    private final Limits limits;

    private final Object lock = new Object();
    /** Keys ready for a worker, in the order they became ready; never holds a key twice. */
    private final ArrayDeque<K> ready = new ArrayDeque<>();
    /** Keys that need a look (in {@link #ready}, or re-queued when their handler returns), with their waiters. */
    private final Map<K, List<CompletableFuture<Object>>> dirty = new HashMap<>();
    /** Keys whose handler runs now, with the waiters that run will complete. */
    private final Map<K, List<CompletableFuture<Object>>> processing = new HashMap<>();
    /** The earliest pending delayed add of each key. */
    private final Map<K, Delayed> delayed = new HashMap<>();
    private final Map<K, Integer> failures = new HashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    private boolean shuttingDown;

    private record Delayed(Instant at, Runnable cancel) {
    }

    public WorkQueue(String name, int workerCount, Scheduler scheduler, Limits limits, Handler<K> handler) {
        if (workerCount < 1) {
            throw new IllegalArgumentException("a work queue needs at least one worker");
        }
        this.name = name;
        this.handler = handler;
        this.scheduler = scheduler;
        this.limits = limits;
        for (int i = 0; i < workerCount; i++) {
            Thread t = new Thread(this::work, name + "-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /** Marks the key as needing a look; merges with a pending entry of the same key. */
    public void add(K key) {
        synchronized (lock) {
            enqueue(key);
        }
    }

    /** Adds the key and returns a future completed (with the handler's value or failure) by the next run of it. */
    public CompletableFuture<Object> request(K key) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        synchronized (lock) {
            if (shuttingDown) {
                f.completeExceptionally(new CancellationException("work queue " + name + " is shut down"));
                return f;
            }
            enqueue(key);
            dirty.get(key).add(f);
        }
        return f;
    }

    private void enqueue(K key) {
        if (shuttingDown || dirty.containsKey(key)) {
            return;
        }
        dirty.put(key, new ArrayList<>(1));
        if (processing.containsKey(key)) {
            return; // queued again when its handler returns
        }
        ready.addLast(key);
        lock.notify();
    }

    /** Adds the key once {@code delay} has passed; only the earliest pending delayed add of a key is kept. */
    public void addAfter(K key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        synchronized (lock) {
            if (shuttingDown) {
                return;
            }
            Instant at = scheduler.now().plus(delay);
            Delayed pending = delayed.get(key);
            if (pending != null && !pending.at().isAfter(at)) {
                return;
            }
            if (pending != null) {
                pending.cancel().run();
            }
            Delayed[] self = new Delayed[1];
            Runnable cancel = scheduler.schedule(() -> {
                synchronized (lock) {
                    if (delayed.get(key) == self[0]) {
                        delayed.remove(key);
                    }
                    enqueue(key);
                }
            }, delay);
            self[0] = new Delayed(at, cancel);
            delayed.put(key, self[0]);
        }
    }

    /** Adds the key after the backoff its failures so far have earned. */
    public void addRateLimited(K key) {
        Duration wait;
        synchronized (lock) {
            int n = failures.merge(key, 1, Integer::sum);
            wait = backoff(n);
        }
        addAfter(key, wait);
    }

    Duration backoff(int failuresInARow) {
        long base = limits.baseDelay().toNanos();
        int shift = Math.min(failuresInARow - 1, 40);
        long nanos = shift >= 62 || base > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : base << shift;
        return Duration.ofNanos(Math.min(nanos, limits.maxDelay().toNanos()));
    }

    /** Forgets the key's failures: its next retry waits the base delay again. */
    public void forget(K key) {
        synchronized (lock) {
            failures.remove(key);
        }
    }

    /** Failures of the key in a row. */
    public int retries(K key) {
        synchronized (lock) {
            return failures.getOrDefault(key, 0);
        }
    }

    /** Keys waiting for a worker (not counting delayed ones). */
    public int depth() {
        synchronized (lock) {
            return ready.size();
        }
    }

    /** Whether a delayed add of the key is pending, and when it is due. */
    public Instant delayedUntil(K key) {
        synchronized (lock) {
            Delayed d = delayed.get(key);
            return d == null ? null : d.at();
        }
    }

    public boolean processing(K key) {
        synchronized (lock) {
            return processing.containsKey(key);
        }
    }

    private void work() {
        while (true) {
            K key;
            List<CompletableFuture<Object>> waiters;
            synchronized (lock) {
                while (ready.isEmpty() && !shuttingDown) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        if (shuttingDown) {
                            return;
                        }
                    }
                }
                if (shuttingDown) {
                    return;
                }
                key = ready.pollFirst();
                waiters = dirty.remove(key);
                processing.put(key, waiters);
            }
            Result result = null;
            Throwable failure = null;
            try {
                result = handler.handle(key);
            } catch (Throwable t) {
                failure = t;
            }
            synchronized (lock) {
                processing.remove(key);
                if (dirty.containsKey(key)) {
                    ready.addLast(key);
                    lock.notify();
                }
            }
            if (failure == null) {
                forget(key);
                Object value = result == null ? null : result.value();
                waiters.forEach(w -> w.complete(value));
                if (result != null && result.requeueAfter() != null) {
                    addAfter(key, result.requeueAfter());
                }
            } else {
                Throwable failed = failure;
                waiters.forEach(w -> w.completeExceptionally(failed));
                if (failure instanceof Error e && !(e instanceof AssertionError)) {
                    log.error("{}: handler of {} failed", name, key, e);
                }
                if (retries(key) < limits.maxRetries()) {
                    log.debug("{}: {} failed, retried after backoff: {}", name, key, failure.toString());
                    addRateLimited(key);
                } else {
                    log.warn("{}: {} failed {} times in a row; dropped until it is added again: {}", name, key,
                            limits.maxRetries() + 1, failure.toString());
                    forget(key);
                }
            }
        }
    }

    /**
     * Stops taking keys: workers finish the handler they run (waited for up to {@code wait}),
     * pending requests fail with a CancellationException, delayed adds are dropped.
     */
    public void shutDown(Duration wait) {
        List<CompletableFuture<Object>> orphaned = new ArrayList<>();
        synchronized (lock) {
            if (shuttingDown) {
                return;
            }
            shuttingDown = true;
            delayed.values().forEach(d -> d.cancel().run());
            delayed.clear();
            dirty.values().forEach(orphaned::addAll);
            dirty.clear();
            ready.clear();
            lock.notifyAll();
        }
        orphaned.forEach(f -> f.completeExceptionally(new CancellationException("work queue " + name + " is shut down")));
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread t : workers) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        shutDown(Duration.ofSeconds(5));
    }
}
