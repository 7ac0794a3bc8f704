package dev.pilothouse.engine;

/** What the engine's {@link WorkQueue} holds: one session to look at, one context to reconcile, or one schedule. */
sealed interface WorkKey {
    /** Settle one session with its runtime and apply its timers. */
    record OfSession(String id) implements WorkKey {
    }

    /** Look at one recurring schedule: a run due, runs missed, the next run's timer. */
    record OfSchedule(String id) implements WorkKey {
    }

    /** Reconcile a whole context: adopt, settle every session with a runtime, report orphans. */
    record OfContext(String context) implements WorkKey {
    }
}
