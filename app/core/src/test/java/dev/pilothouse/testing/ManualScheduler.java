package dev.pilothouse.testing;

import dev.pilothouse.engine.WorkQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link WorkQueue.Scheduler} on a {@link MutableClock}: delayed work runs when the test moves
 * the clock past its time ({@link #advance}), in the order it falls due, on the test's thread.
 */
public final class ManualScheduler implements WorkQueue.Scheduler {
    private final MutableClock clock;
    private final List<Task> tasks = new ArrayList<>();
    private long sequence;

    private record Task(Instant at, long seq, Runnable work) {
    }

    public ManualScheduler(MutableClock clock) {
        this.clock = clock;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public synchronized Runnable schedule(Runnable work, Duration delay) {
        Task t = new Task(clock.instant().plus(delay), sequence++, work);
        tasks.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                tasks.remove(t);
            }
        };
    }

    /** Moves the clock on and runs every task that has fallen due, earliest first. */
    public void advance(Duration d) {
        clock.advance(d);
        runDue();
    }

    /** Runs the tasks due at the clock's current time. */
    public void runDue() {
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.at().isAfter(clock.instant()))
                        .min(Comparator.comparing(Task::at).thenComparingLong(Task::seq)).orElse(null);
                if (next == null) {
                    return;
                }
                tasks.remove(next);
            }
            next.work().run();
        }
    }

    /** Tasks waiting for their time. */
    public synchronized int pending() {
        return tasks.size();
    }
}
