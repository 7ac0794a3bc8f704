package dev.pilothouse.metrics;

import java.time.Instant;
import java.util.List;

/**
 * A session's latest reading: the whole session's figures, each agent's, and why any are missing.
 *
 * @param at          when it was taken; null when the session was never sampled
 * @param unavailable why there are no CPU/memory figures ("not available: ..."), or null
 */
public record Current(Instant at, Double cpu, Long memory, Long workspaceBytes, Long workspaceFiles,
                      List<AgentNow> agents, String unavailable) {

    public record AgentNow(String agent, Double cpu, Long memory, String unavailable) {
    }

    public static Current none(String why) {
        return new Current(null, null, null, null, null, List.of(), why);
    }
}
