package dev.pilothouse.engine;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;

/**
 * For benchmarks: moves a session IDLE <-> READY through the engine's own write path (version
 * check, audit row, event), as its operations do, without agent processes behind it.
 */
public final class TransitionDriver {
    private final Engine engine;

    public TransitionDriver(Engine engine) {
        this.engine = engine;
    }

    public Session toggle(String sessionId) {
        return engine.change(sessionId, "bench", "benchmark", cur -> {
            SessionState next = cur.state() == SessionState.IDLE ? SessionState.READY : SessionState.IDLE;
            return cur.toBuilder().state(next);
        });
    }
}
