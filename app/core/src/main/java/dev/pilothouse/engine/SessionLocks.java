package dev.pilothouse.engine;

import dev.pilothouse.errors.ConflictException;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One mutex per session, held while a decision about the session is taken and carried out on its
 * runtime: reading the latest version, checking the state machine, writing the new version, and
 * starting or stopping its agents. Operators' commands and the work queue's handlers take the same
 * mutex, so two decisions about one session never interleave, and agents are only ever started
 * or stopped right after a decision that wants it.
 *
 * <p>It is not held while waiting for agents to answer or for a reply: those waits are
 * registered as {@link InFlight} work that a later decision (pause, delete, retry) cancels.
 * Reentrant, so a command may call another under it (send resuming an IDLE session first).
 */
final class SessionLocks {
    private final Duration wait;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users;
        volatile String doing;
        volatile long since;
    }

    SessionLocks(Duration wait) {
        this.wait = wait;
    }

    /** Runs {@code work} holding the session's mutex; {@code doing} names it for whoever has to wait. */
    <T> T with(String sessionId, String doing, Supplier<T> work) {
        Entry e = entries.compute(sessionId, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        try {
            // a free lock is taken even by an interrupted thread: the work under it records how an
            // interrupted operation ended (ERROR with the reason), which must not be skipped
            boolean locked = e.lock.tryLock();
            if (!locked) {
                try {
                    locked = e.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ConflictException("interrupted while waiting for session " + sessionId + " ("
                            + e.doing + "); nothing was done");
                }
            }
            if (!locked) {
                String holder = e.doing;
                long held = (System.nanoTime() - e.since) / 1_000_000_000L;
                throw new ConflictException("session " + sessionId + " is busy with another operation ("
                        + (holder == null ? "unknown" : holder) + ", for " + held + " s); nothing was done: try again");
            }
            String outer = e.doing;
            long outerSince = e.since;
            if (e.lock.getHoldCount() == 1) {
                e.since = System.nanoTime();
            }
            e.doing = doing;
            try {
                return work.get();
            } finally {
                e.doing = outer;
                e.since = outerSince;
                e.lock.unlock();
            }
        } finally {
            entries.computeIfPresent(sessionId, (k, v) -> --v.users == 0 ? null : v);
        }
    }

    void run(String sessionId, String doing, Runnable work) {
        with(sessionId, doing, () -> {
            work.run();
            return null;
        });
    }

    boolean heldByMe(String sessionId) {
        Entry e = entries.get(sessionId);
        return e != null && e.lock.isHeldByCurrentThread();
    }
}
