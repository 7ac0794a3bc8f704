package dev.pilothouse.runtime;

/** What a runtime observed on its own: the engine decides what it means for the session. */
public sealed interface RuntimeEvent {
    String sessionId();

    /**
     * An agent stopped without being asked to.
     *
     * @param exitCode its exit status, or null when it could not be learned
     * @param detail   the last lines of its log
     */
    record AgentExited(String sessionId, String agent, Integer exitCode, String detail) implements RuntimeEvent {
    }
}
