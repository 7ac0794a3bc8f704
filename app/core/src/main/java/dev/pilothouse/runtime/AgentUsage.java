package dev.pilothouse.runtime;

/**
 * What one agent uses now, as its runtime can tell.
 *
 * @param cpuSeconds  CPU time its process tree has used since it started (local: from {@code /proc});
 *                    null when the runtime gives a rate instead or cannot tell
 * @param cpuCores    CPU in use now, in cores, when the runtime gives a rate ({@code metrics.k8s.io});
 *                    null otherwise: the sampler derives it from two {@code cpuSeconds}
 * @param memoryBytes resident memory of its process tree (or container working set); null when unknown
 * @param unavailable why there are no figures ("not available: ..."), or null
 */
public record AgentUsage(String agent, Double cpuSeconds, Double cpuCores, Long memoryBytes, String unavailable) {

    public static AgentUsage unavailable(String agent, String reason) {
        return new AgentUsage(agent, null, null, null, reason);
    }
}
