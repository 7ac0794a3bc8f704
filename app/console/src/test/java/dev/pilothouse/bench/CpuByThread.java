package dev.pilothouse.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads, grouped by name with the digits taken out ("writer-3" counts as
 * "writer-N"), so a benchmark can say where its cores went rather than guess from samples.
 */
final class CpuByThread {
    private static final String GC = "(garbage collection, wall time of pauses and cycles)";

    private CpuByThread() {
    }

    /** CPU nanoseconds by thread id, plus the collectors' accumulated time. */
    static Map<String, Long> snapshot() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new HashMap<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                long ns = mx.getThreadCpuTime(t.getThreadId());
                if (ns >= 0) {
                    out.put(t.getThreadId() + "/" + t.getThreadName().replaceAll("\\d+", "N"), ns);
                }
            }
        }
        long gc = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc += b.getCollectionTime() * 1_000_000L;
        }
        out.put("0/" + GC, gc);
        return out;
    }

    /**
     * The CPU used since {@code before} by each group, as microseconds per unit of work and as a share
     * of the machine's cores over {@code seconds}; busiest first. Threads that ended in between are gone
     * from the JVM's books: {@code ended} gives what they measured of themselves, by group.
     */
    static String since(Map<String, Long> before, double seconds, long units, Map<String, Long> ended) {
        Map<String, Long> by = new TreeMap<>(ended);
        long total = ended.values().stream().mapToLong(Long::longValue).sum();
        for (Map.Entry<String, Long> e : snapshot().entrySet()) {
            long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            String group = e.getKey().substring(e.getKey().indexOf('/') + 1);
            by.merge(group, used, Long::sum);
            if (!group.equals(GC)) {
                total += used;
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder b = new StringBuilder(String.format("%.0f µs in all threads, %.0f%% of %d cores", total / 1e3 / units,
                100.0 * total / 1e9 / seconds / cores, cores));
        by.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> b.append("; ").append(e.getKey()).append(' ')
                        .append(String.format("%.0f µs", e.getValue() / 1e3 / units)));
        return b.toString();
    }
}
