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

    /**
     * The same toggle of {@code cur} told only to the engine's subscribers, as the change event a
     * write publishes, without writing it: what a change costs a console, apart from the store's commit.
     */
    public Session announce(Session cur) {
        SessionState next = cur.state() == SessionState.IDLE ? SessionState.READY : SessionState.IDLE;
        Session s = cur.toBuilder().state(next).version(cur.version() + 1).build();
        engine.publish(new EngineEvent.SessionChanged(s));
        return s;
    }

    public Session toggle(String sessionId) {
        return engine.change(sessionId, "bench", "benchmark", cur -> {
            SessionState next = cur.state() == SessionState.IDLE ? SessionState.READY : SessionState.IDLE;
            return cur.toBuilder().state(next);
        });
    }
}
