package dev.pilothouse.engine;

/**
 * What the engine's {@link WorkQueue} holds: one session to look at (or to adopt), one context to
 * reconcile, or one schedule.
 */
sealed interface WorkKey {
    /** Settle one session with its runtime and apply its timers. */
    record OfSession(String id) implements WorkKey {
    }

    /** Look at one recurring schedule: a run due, runs missed, the next run's timer. */
    record OfSchedule(String id) implements WorkKey {
    }

    /**
     * A session whose objects appeared on a context's runtime while it watched: adopted when the
     * store does not know it (created from another workstation), then settled.
     */
    record OfAppeared(String context, String id) implements WorkKey {
    }

    /** Reconcile a whole context: adopt, settle every session with a runtime, report orphans. */
    record OfContext(String context) implements WorkKey {
    }
}
