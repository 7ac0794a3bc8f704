package dev.pilothouse.engine;

import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricBucket;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.Sample;
import dev.pilothouse.runtime.AgentUsage;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.SessionUsage;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Takes a reading of every running session (READY or BUSY) of the contexts the engine serves,
 * keeps the latest in memory for views, and folds it into the store's downsampled history. CPU
 * comes from the runtime either as a rate or as CPU seconds used so far, turned into a rate
 * against this sampler's previous reading of the same agent. A volume is walked less often than
 * processes are read (a large workspace costs a walk), every {@code sizeEvery}.
 *
 * <p>Samples are folded in memory into the buckets they fall in, and a bucket is written once it
 * has closed (or the engine closes): a round writes about one row per agent, not one per agent
 * and resolution. Readers fold the open buckets in ({@link #open}); a crash loses at most the
 * open buckets — at worst ten minutes of the thirty-day view.
 */
final class MetricsSampler {
    private static final Logger log = LoggerFactory.getLogger(MetricsSampler.class);
    /** How often old buckets are dropped, in sampling rounds. */
    private static final int PRUNE_EVERY = 12;

    /** CPU seconds and when they were read on the monotonic clock: a rate is against real time, not the injected clock. */
    private record CpuReading(double seconds, long nanos) {
    }

    private final Store store;
    private final Clock clock;
    private final Duration sizeEvery;
    private final Function<String, SessionRuntime> openedRuntime;
    /** Per session, per agent: the last CPU seconds seen, for the next rate. */
    private final Map<String, Map<String, CpuReading>> cpu = new ConcurrentHashMap<>();
    private final Map<String, Instant> sized = new ConcurrentHashMap<>();
    private final Map<String, Current> latest = new ConcurrentHashMap<>();
    /**
     * The running sessions, kept from the engine's change events ({@link #track}) rather than read
     * from the store every round: with tens of thousands of sessions, that read would cost more
     * than the sampling. Read again from the store every {@link #RELOAD_EVERY} rounds all the same.
     */
    private final Map<String, Session> running = new ConcurrentHashMap<>();
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();
    private static final int RELOAD_EVERY = 12;
    /**
     * Sessions the runtime had nothing to measure in (READY in the store, no agent process found),
     * with the rounds left before they are asked again: a store with many such sessions must not
     * cost a runtime call each per round. A change of the session asks again at once.
     */
    private final Map<String, Integer> quiet = new ConcurrentHashMap<>();
    private static final int QUIET_ROUNDS = 6;
    private int rounds;
    /** The buckets being filled, by session, agent and resolution. */
    private final Map<BucketKey, MetricBucket> open = new HashMap<>();

    private record BucketKey(String session, String agent, Resolution resolution) {
    }

    /** @param openedRuntime a context's runtime if it is open, else null: sampling never connects */
    MetricsSampler(Store store, Clock clock, Duration sizeEvery, Function<String, SessionRuntime> openedRuntime) {
        this.store = store;
        this.clock = clock;
        this.sizeEvery = sizeEvery;
        this.openedRuntime = openedRuntime;
    }

    static boolean running(Session s) {
        return !s.deleted() && (s.state() == SessionState.READY || s.state() == SessionState.BUSY);
    }

    /**
     * The newest version of each session tracked, running or not. Versions are published from the
     * threads that wrote them, so an older one can arrive here after a newer one (a create's INIT
     * after its READY): it must not take a running session out of the rounds. Found by the metrics
     * benchmark, whose 100 sessions were sampled as 99 for a minute, until the next reload.
     */
    private final Map<String, Long> versions = new ConcurrentHashMap<>();

    /** A new version of a session: sampled from now on while it runs; an older one than seen is ignored. */
    void track(Session s) {
        versions.compute(s.id(), (id, seen) -> {
            if (seen != null && seen > s.version()) {
                return seen;
            }
            quiet.remove(id);
            if (running(s)) {
                running.put(id, s);
            } else {
                running.remove(id);
            }
            return s.version();
        });
    }

    /** One round over the running sessions of {@code contexts}; returns the readings taken. */
    synchronized Map<String, Current> sample(Set<String> contexts) {
        Instant now = clock.instant();
        if (rounds % RELOAD_EVERY == 0) {
            loaded.clear();
        }
        List<Sample> samples = new ArrayList<>();
        Map<String, Current> taken = new HashMap<>();
        for (String ctx : contexts) {
            SessionRuntime rt = openedRuntime.apply(ctx);
            if (rt == null) {
                continue;
            }
            if (loaded.add(ctx)) {
                running.values().removeIf(s -> s.context().equals(ctx));
                store.read(tx -> tx.sessionsWithRuntime(ctx)).forEach(this::track);
            }
            for (Session s : List.copyOf(running.values())) {
                if (!s.context().equals(ctx)) {
                    continue;
                }
                Integer skip = quiet.computeIfPresent(s.id(), (id, n) -> n <= 1 ? null : n - 1);
                if (skip != null) {
                    continue;
                }
                int before = samples.size();
                Current c = read(rt, s, now, samples);
                taken.put(s.id(), c);
                if (samples.size() == before && c.agents().stream().allMatch(a -> a.unavailable() != null)
                        && c.unavailable() != null && c.unavailable().equals(SessionUsage.NOTHING_RUNS)) {
                    quiet.put(s.id(), QUIET_ROUNDS);
                }
            }
        }
        // sessions no longer running: their next run starts a fresh CPU baseline
        cpu.keySet().retainAll(running.keySet());
        sized.keySet().retainAll(running.keySet());
        latest.keySet().retainAll(running.keySet());
        quiet.keySet().retainAll(running.keySet());
        latest.putAll(taken);
        List<MetricBucket> closed = fold(samples, now);
        boolean prune = rounds++ % PRUNE_EVERY == 0;
        if (!closed.isEmpty() || prune) {
            store.write(tx -> {
                tx.metrics().write(closed);
                return prune ? tx.metrics().prune(now) : 0;
            });
        }
        return taken;
    }

    /** Folds the samples into the open buckets; returns the buckets that closed by {@code now}. */
    private List<MetricBucket> fold(List<Sample> samples, Instant now) {
        List<MetricBucket> closed = new ArrayList<>();
        for (Sample s : samples) {
            for (Resolution r : Resolution.values()) {
                BucketKey key = new BucketKey(s.sessionId(), s.agent(), r);
                MetricBucket b = open.get(key);
                if (b != null && b.bucketMs() == r.bucket(s.at().toEpochMilli())) {
                    b = b.plus(s);
                } else {
                    if (b != null) {
                        closed.add(b);
                    }
                    b = MetricBucket.of(s, r);
                }
                open.put(key, b);
            }
        }
        open.values().removeIf(b -> {
            boolean over = !b.end().isAfter(now);
            if (over) {
                closed.add(b);
            }
            return over;
        });
        return closed;
    }

    /** The buckets of a session not written yet, for a reader to fold in. */
    synchronized List<MetricBucket> open(String sessionId) {
        return open.values().stream().filter(b -> b.sessionId().equals(sessionId)).toList();
    }

    /** Writes every open bucket (the engine is closing); a later engine adds to the same rows. */
    synchronized void flush() {
        List<MetricBucket> all = List.copyOf(open.values());
        open.clear();
        if (!all.isEmpty()) {
            store.write(tx -> {
                tx.metrics().write(all);
                return null;
            });
        }
    }

    /** The latest reading of a session if it was taken within {@code fresh}; empty otherwise. */
    Optional<Current> latest(String sessionId, Duration fresh) {
        Current c = latest.get(sessionId);
        return c != null && c.at() != null && !c.at().isBefore(clock.instant().minus(fresh)) ? Optional.of(c) : Optional.empty();
    }

    /** Every reading taken within {@code fresh}, by session id. */
    Map<String, Current> fresh(Duration fresh) {
        Instant after = clock.instant().minus(fresh);
        Map<String, Current> out = new HashMap<>();
        latest.forEach((id, c) -> {
            if (c.at() != null && !c.at().isBefore(after)) {
                out.put(id, c);
            }
        });
        return out;
    }

    /** Forgets a session's baseline, reading and open buckets (it was purged or deleted). */
    synchronized void forget(String sessionId) {
        open.keySet().removeIf(k -> k.session().equals(sessionId));
        running.remove(sessionId);
        cpu.remove(sessionId);
        sized.remove(sessionId);
        latest.remove(sessionId);
    }

    private Current read(SessionRuntime rt, Session s, Instant now, List<Sample> out) {
        SessionUsage u;
        try {
            u = rt.usage(s);
        } catch (RuntimeException e) {
            log.debug("session {}: usage not readable", s.id(), e);
            u = SessionUsage.unavailable("not available: " + e.getMessage());
        }
        Long wsBytes = null;
        Long wsFiles = null;
        Instant last = sized.get(s.id());
        if (last == null || !now.isBefore(last.plus(sizeEvery))) {
            try {
                Optional<long[]> size = rt.volumeSize(s);
                if (size.isPresent()) {
                    wsBytes = size.get()[0];
                    wsFiles = size.get()[1];
                }
            } catch (RuntimeException e) {
                log.debug("session {}: volume size not readable", s.id(), e);
            }
            sized.put(s.id(), now);
        }
        Map<String, CpuReading> before = cpu.computeIfAbsent(s.id(), k -> new ConcurrentHashMap<>());
        List<Current.AgentNow> agents = new ArrayList<>();
        List<Sample> taken = new ArrayList<>();
        Double cpuTotal = null;
        Long memTotal = null;
        for (AgentUsage a : u.agents()) {
            Double rate = a.cpuCores();
            if (rate == null && a.cpuSeconds() != null) {
                long nanos = System.nanoTime();
                CpuReading prev = before.put(a.agent(), new CpuReading(a.cpuSeconds(), nanos));
                long elapsed = prev == null ? 0 : nanos - prev.nanos();
                // a process tree that lost a member can show less than before: no negative load
                rate = elapsed <= 0 ? null : Math.max(0, (a.cpuSeconds() - prev.seconds()) * 1e9 / elapsed);
            }
            agents.add(new Current.AgentNow(a.agent(), rate, a.memoryBytes(), a.unavailable()));
            if (rate != null || a.memoryBytes() != null) {
                taken.add(new Sample(s.id(), a.agent(), now, rate, a.memoryBytes(), null, null));
            }
            if (rate != null) {
                cpuTotal = cpuTotal == null ? rate : cpuTotal + rate;
            }
            if (a.memoryBytes() != null) {
                memTotal = memTotal == null ? a.memoryBytes() : memTotal + a.memoryBytes();
            }
        }
        // nothing measured (no agent process, no metrics API): no rows, so history holds figures only
        if (!taken.isEmpty() || wsBytes != null) {
            out.addAll(taken);
            out.add(new Sample(s.id(), Sample.SESSION, now, cpuTotal, memTotal, wsBytes, wsFiles));
        }
        Current prev = latest.get(s.id());
        if (wsBytes == null && prev != null) {
            wsBytes = prev.workspaceBytes();
            wsFiles = prev.workspaceFiles();
        }
        String why = u.unavailable() != null ? u.unavailable()
                : agents.stream().map(Current.AgentNow::unavailable).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        return new Current(now, cpuTotal, memTotal, wsBytes, wsFiles, agents, why);
    }
}
