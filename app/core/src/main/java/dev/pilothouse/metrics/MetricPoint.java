package dev.pilothouse.metrics;

import java.time.Instant;

/**
 * One bucket of history: the mean and peak of the samples folded into it.
 *
 * @param at             the bucket's start
 * @param cpu            mean cores in use; null when no sample had a CPU figure
 * @param workspaceBytes the last size measured up to this bucket (carried forward); null before any
 */
public record MetricPoint(Instant at, int samples, Double cpu, Double cpuMax, Long memory, Long memoryMax,
                          Long workspaceBytes, Long workspaceFiles) {
}
