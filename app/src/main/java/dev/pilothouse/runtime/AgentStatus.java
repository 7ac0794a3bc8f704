package dev.pilothouse.runtime;

/**
 * One agent as the runtime sees it.
 *
 * @param exitCode for {@link Kind#EXITED}: the exit status, or null when unknown
 * @param detail   for {@link Kind#EXITED}: the last lines of its log
 */
public record AgentStatus(String agent, Kind kind, Integer exitCode, String detail) {
    public enum Kind {
        /** Its process (or container) is alive. */
        RUNNING,
        /** It was started and has ended without being stopped. */
        EXITED,
        /** Nothing runs and nothing was left behind: stopped, or never started. */
        STOPPED
    }

    public static AgentStatus running(String agent) {
        return new AgentStatus(agent, Kind.RUNNING, null, null);
    }

    public static AgentStatus stopped(String agent) {
        return new AgentStatus(agent, Kind.STOPPED, null, null);
    }
}
