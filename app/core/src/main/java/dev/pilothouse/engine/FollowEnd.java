package dev.pilothouse.engine;

import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;

/**
 * Whether a log follow ({@code sessions logs -f}, the API's follow) stops at a version of its
 * session, and why: the session was deleted, completed or paused, or the followed agent was
 * removed from it (exit 0), or it failed (exit 1).
 * An IDLE session whose agents are being started (a resume, or an agent-set change that restarts
 * its agents on a new pod: IDLE with phase INITIALIZING) has not stopped: the follow goes on to its
 * next pod, as the runtime's follow says in a marker line.
 *
 * @param why      the words after "stopped following: "
 * @param exitCode 0 when the session ended its run on purpose, 1 when it failed
 */
public record FollowEnd(String why, int exitCode) {
    /**
     * How long a follow that stops waits for its log stream to deliver what it still carries (the
     * agent's last lines, e.g. its own "exiting" line): a Kubernetes stream ends a moment after the
     * pod status the engine acts on, and one that does not end (a container still stopping) is
     * not waited for longer.
     */
    public static final java.time.Duration DRAIN = java.time.Duration.ofSeconds(2);

    /** Why a follow stops at this version of the session; null when it goes on. */
    public static FollowEnd of(Session s) {
        if (s.deleted()) {
            return new FollowEnd("session '" + s.name() + "' was deleted", 0);
        }
        if (s.completed()) {
            return new FollowEnd("session '" + s.name() + "' completed" + reason(s), 0);
        }
        if (s.state() == SessionState.IDLE && s.phase() != Phase.INITIALIZING && s.phase() != Phase.PENDING) {
            return new FollowEnd("session '" + s.name() + "' is IDLE (paused)" + reason(s), 0);
        }
        if (s.state() == SessionState.ERROR) {
            return new FollowEnd("session '" + s.name() + "' is in ERROR" + reason(s), 1);
        }
        return null;
    }

    /**
     * Why a follow of {@code agent}'s log stops at this version of the session; null when it goes
     * on. Besides {@link #of(Session)}: the agent was removed from the session (an agent-set
     * change), which is as deliberate as a pause (exit 0): its log has no next run to wait for.
     */
    public static FollowEnd of(Session s, String agent) {
        FollowEnd end = of(s);
        if (end != null || agent == null || s.agents().stream().anyMatch(a -> a.name().equals(agent))) {
            return end;
        }
        return new FollowEnd("agent '" + agent + "' was removed from session '" + s.name() + "' (its agents now: "
                + String.join(", ", s.agents().stream().map(dev.pilothouse.session.SessionAgent::name).toList()) + ")", 0);
    }

    private static String reason(Session s) {
        return s.terminationReason() == null || s.terminationReason().isBlank() ? "" : ": " + s.terminationReason();
    }
}
