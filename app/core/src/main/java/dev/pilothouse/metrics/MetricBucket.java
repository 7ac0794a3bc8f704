package dev.pilothouse.metrics;

import java.time.Instant;

/**
 * The samples of one agent (or {@link Sample#SESSION}) in one bucket of one {@link Resolution},
 * folded: counts, sums and peaks, and the volume's last size. What a history row holds; the engine
 * folds a bucket in memory while it is open and writes it once it has closed.
 */
public record MetricBucket(String sessionId, String agent, Resolution resolution, long bucketMs, int samples,
                           int cpuSamples, double cpuSum, Double cpuMax, int memSamples, double memSum, Long memMax,
                           Long workspaceBytes, Long workspaceFiles) {

    /** A bucket holding only {@code s}. */
    public static MetricBucket of(Sample s, Resolution r) {
        return new MetricBucket(s.sessionId(), s.agent(), r, r.bucket(s.at().toEpochMilli()), 0, 0, 0, null, 0, 0, null,
                null, null).plus(s);
    }

    /** This bucket with {@code s} folded in. */
    public MetricBucket plus(Sample s) {
        Double cpu = s.cpuCores();
        Long mem = s.memoryBytes();
        return new MetricBucket(sessionId, agent, resolution, bucketMs, samples + 1,
                cpuSamples + (cpu == null ? 0 : 1), cpuSum + (cpu == null ? 0 : cpu),
                max(cpuMax, cpu),
                memSamples + (mem == null ? 0 : 1), memSum + (mem == null ? 0 : mem),
                max(memMax, mem),
                s.workspaceBytes() != null ? s.workspaceBytes() : workspaceBytes,
                s.workspaceBytes() != null ? s.workspaceFiles() : workspaceFiles);
    }

    /** This bucket and a later part of the same bucket as one (what the store does when a row exists). */
    public MetricBucket plus(MetricBucket later) {
        return new MetricBucket(sessionId, agent, resolution, bucketMs, samples + later.samples,
                cpuSamples + later.cpuSamples, cpuSum + later.cpuSum, max(cpuMax, later.cpuMax),
                memSamples + later.memSamples, memSum + later.memSum, max(memMax, later.memMax),
                later.workspaceBytes != null ? later.workspaceBytes : workspaceBytes,
                later.workspaceBytes != null ? later.workspaceFiles : workspaceFiles);
    }

    public Instant start() {
        return Instant.ofEpochMilli(bucketMs);
    }

    /** When the bucket closes: no sample after this belongs to it. */
    public Instant end() {
        return Instant.ofEpochMilli(bucketMs).plus(resolution.width());
    }

    /** As a point of a history, with the volume's size {@code wsb}/{@code wsf} (carried forward by the reader). */
    public MetricPoint point(Long wsb, Long wsf) {
        return new MetricPoint(start(), samples, cpuSamples == 0 ? null : cpuSum / cpuSamples, cpuSamples == 0 ? null : cpuMax,
                memSamples == 0 ? null : Math.round(memSum / memSamples), memSamples == 0 ? null : memMax, wsb, wsf);
    }

    private static <T extends Comparable<T>> T max(T a, T b) {
        return a == null ? b : b == null ? a : a.compareTo(b) >= 0 ? a : b;
    }
}
