package dev.pilothouse.runtime;

import java.util.List;

/**
 * What a running session uses now: each agent's CPU and memory, and its volume's size.
 *
 * @param workspaceBytes bytes in the session's volume; null when not measured this time or unknown
 * @param workspaceFiles files in it
 * @param unavailable    why the runtime has no figures at all, or null
 */
public record SessionUsage(List<AgentUsage> agents, Long workspaceBytes, Long workspaceFiles, String unavailable) {

    /** Why there are no figures when the runtime found no agent process of a session it was asked about. */
    public static final String NOTHING_RUNS = "not available: no agent process runs";

    public static SessionUsage unavailable(String reason) {
        return new SessionUsage(List.of(), null, null, reason);
    }

    public SessionUsage withWorkspace(Long bytes, Long files) {
        return new SessionUsage(agents, bytes, files, unavailable);
    }
}
