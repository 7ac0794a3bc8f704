package dev.pilothouse.guardrails;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token buckets per session and per (session, agent), kept as the generic cell rate algorithm: one
 * number per bucket, the time at which it is full again ({@code tat}). A message at {@code now} fits
 * when {@code tat - now <= (burst - 1) * interval}; it moves {@code tat} on by one interval
 * ({@code 60 s / rate}). Exact in nanoseconds, no timer, nothing to refill: time is read from the
 * injected clock, so tests move a clock instead of waiting.
 *
 * <p>A message is let through only when both its buckets have room, and then takes from both: a
 * refused message uses up nothing. Everything about one session happens inside the map's
 * {@code compute} for that session, so sessions never wait on each other and one session's checks
 * are atomic. Buckets that have filled up again are the same as new ones and are dropped now and
 * then (and at once by {@link #forget}), so memory follows the sessions recently active.
 */
final class RateLimiter {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final int SWEEP_EVERY = 4096;

    /** What the limiter decided; {@code limited} names the bucket that was full, when one was. */
    record Decision(boolean allowed, String limited, int perMinute, int burst, Instant retryAt) {
    }

    private final RateLimitSpec spec;
    private final Clock clock;
    private final long sessionInterval;
    private final long sessionTolerance;
    private final long agentInterval;
    private final long agentTolerance;
    private final ConcurrentHashMap<String, SessionBuckets> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger checks = new AtomicInteger();

    private static final class SessionBuckets {
        long tat = Long.MIN_VALUE; // nanoseconds; before any message: full
        final Map<String, long[]> agents = new HashMap<>(); // guarded by the map's lock on this session

        boolean idle(long now) {
            if (tat > now) {
                return false;
            }
            for (long[] a : agents.values()) {
                if (a[0] > now) {
                    return false;
                }
            }
            return true;
        }
    }

    RateLimiter(RateLimitSpec spec, Clock clock) {
        this.spec = spec;
        this.clock = clock;
        this.sessionInterval = spec.sessionPerMinute() == 0 ? 0 : MINUTE_NANOS / spec.sessionPerMinute();
        this.sessionTolerance = sessionInterval * (spec.sessionBurst() - 1);
        this.agentInterval = spec.agentPerMinute() == 0 ? 0 : MINUTE_NANOS / spec.agentPerMinute();
        this.agentTolerance = agentInterval * (spec.agentBurst() - 1);
    }

    /** Takes one message for {@code sessionId} and {@code agent} (null: the session's bucket only) if both have room. */
    Decision acquire(String sessionId, String agent) {
        Instant instant = clock.instant();
        long now = nanos(instant);
        Decision[] decision = new Decision[1];
        sessions.compute(sessionId, (id, buckets) -> {
            SessionBuckets b = buckets == null ? new SessionBuckets() : buckets;
            long sessionTat = Math.max(b.tat, now);
            long sessionWait = sessionInterval == 0 ? 0 : sessionTat - now - sessionTolerance;
            long[] agentBucket = agentInterval == 0 || agent == null ? null : b.agents.get(agent);
            long agentTat = agentBucket == null ? now : Math.max(agentBucket[0], now);
            long agentWait = agentInterval == 0 || agent == null ? 0 : agentTat - now - agentTolerance;
            if (sessionWait > 0 || agentWait > 0) {
                boolean sessionFull = sessionWait >= agentWait;
                long wait = Math.max(sessionWait, agentWait);
                decision[0] = sessionFull
                        ? new Decision(false, "session", spec.sessionPerMinute(), spec.sessionBurst(), instant.plusNanos(wait))
                        : new Decision(false, "agent", spec.agentPerMinute(), spec.agentBurst(), instant.plusNanos(wait));
                return buckets;
            }
            if (sessionInterval != 0) {
                b.tat = sessionTat + sessionInterval;
            }
            if (agentInterval != 0 && agent != null) {
                if (agentBucket == null) {
                    agentBucket = new long[1];
                    b.agents.put(agent, agentBucket);
                }
                agentBucket[0] = agentTat + agentInterval;
            }
            decision[0] = new Decision(true, null, 0, 0, null);
            return b;
        });
        if ((checks.incrementAndGet() & (SWEEP_EVERY - 1)) == 0) {
            sweep(now);
        }
        return decision[0];
    }

    /** Drops the session's buckets: the session has ended. */
    void forget(String sessionId) {
        sessions.remove(sessionId);
    }

    /** Drops every session whose buckets are all full again: a new bucket would be the same. */
    void sweep(long now) {
        for (String id : sessions.keySet()) {
            sessions.computeIfPresent(id, (k, b) -> {
                b.agents.values().removeIf(a -> a[0] <= now);
                return b.idle(now) ? null : b;
            });
        }
    }

    int sessionsKept() {
        return sessions.size();
    }

    long now() {
        return nanos(clock.instant());
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
