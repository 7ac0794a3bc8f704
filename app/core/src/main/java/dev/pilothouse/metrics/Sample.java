package dev.pilothouse.metrics;

import java.time.Instant;

/**
 * One reading of one agent (or, with agent {@link #SESSION}, of the whole session: the agents'
 * sums and its volume's size), folded into the history.
 *
 * @param cpuCores       cores in use (1.0 = one core busy); null when not known this time
 * @param memoryBytes    resident memory; null when not known
 * @param workspaceBytes the volume's size, for {@link #SESSION} only, when measured this time
 */
public record Sample(String sessionId, String agent, Instant at, Double cpuCores, Long memoryBytes,
                     Long workspaceBytes, Long workspaceFiles) {
    /** The agent name of a session's totals. */
    public static final String SESSION = "*";
}
