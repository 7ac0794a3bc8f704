package dev.pilothouse.engine;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How an engine runs.
 *
 * @param clock         drives the waiting timeout and the TTL; tests pass a clock they move
 * @param actor         who the operator is, for {@code created_by} and the audit trail
 * @param background    run the timers and the change feed on threads (the console); a CLI
 *                      command runs them once at start instead
 * @param startTimeout  how long agents may take to answer {@code /healthz} after starting
 * @param scheduler     where the work queue's delayed work (timers, retries) waits; null: real time
 *                      on the engine's threads. Tests pass one on the clock they move.
 */
public record EngineConfig(Path dataDir, Clock clock, String actor, boolean background, Duration startTimeout,
                           Duration sweepInterval, Duration feedInterval, WorkQueue.Scheduler scheduler) {

    public EngineConfig(Path dataDir, Clock clock, String actor, boolean background, Duration startTimeout,
                        Duration sweepInterval, Duration feedInterval) {
        this(dataDir, clock, actor, background, startTimeout, sweepInterval, feedInterval, null);
    }

    public static EngineConfig of(Path dataDir) {
        return new EngineConfig(dataDir, Clock.systemUTC(), System.getProperty("user.name", "operator"), false,
                Duration.ofSeconds(120), Duration.ofSeconds(1), Duration.ofMillis(500), null);
    }

    public EngineConfig withScheduler(WorkQueue.Scheduler s) {
        return new EngineConfig(dataDir, clock, actor, background, startTimeout, sweepInterval, feedInterval, s);
    }

    public EngineConfig withClock(Clock c) {
        return new EngineConfig(dataDir, c, actor, background, startTimeout, sweepInterval, feedInterval, scheduler);
    }

    public EngineConfig withActor(String a) {
        return new EngineConfig(dataDir, clock, a, background, startTimeout, sweepInterval, feedInterval, scheduler);
    }

    public EngineConfig withBackground(boolean b) {
        return new EngineConfig(dataDir, clock, actor, b, startTimeout, sweepInterval, feedInterval, scheduler);
    }

    public EngineConfig withStartTimeout(Duration d) {
        return new EngineConfig(dataDir, clock, actor, background, d, sweepInterval, feedInterval, scheduler);
    }
}
