package dev.pilothouse.runtime;

/**
 * One agent as the runtime sees it.
 *
 * @param exitCode for {@link Kind#EXITED} and {@link Kind#FAILED}: the exit status, or null when unknown
 * @param detail   for {@link Kind#EXITED}: the last lines of its log; for {@link Kind#FAILED}: the
 *                 runtime's reason and message ("ImagePullBackOff: Back-off pulling image ..."); for
 *                 {@link Kind#STOPPED} and {@link Kind#UNKNOWN}: why, when the runtime knows
 */
public record AgentStatus(String agent, Kind kind, Integer exitCode, String detail) {
    public enum Kind {
        /** Its process (or container) is alive, or being brought up. */
        RUNNING,
        /** It was started and has ended without being stopped. */
        EXITED,
        /** The runtime gave up on it: it cannot start or keeps crashing (image pull, crash loop, OOM, unschedulable). */
        FAILED,
        /** Nothing runs and nothing was left behind: stopped, or never started. */
        STOPPED,
        /** The runtime cannot tell now (its API server is unreachable): leave the session as it is. */
        UNKNOWN
    }

    public static AgentStatus running(String agent) {
        return new AgentStatus(agent, Kind.RUNNING, null, null);
    }

    public static AgentStatus stopped(String agent) {
        return new AgentStatus(agent, Kind.STOPPED, null, null);
    }
}
