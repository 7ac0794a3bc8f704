package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.AgentUsage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU seconds and resident memory of an agent's process tree, read from Linux's {@code /proc}: an
 * agent's work runs in child processes ({@code $ } commands), so the agent alone would show none of
 * it. Each live process counts its own time and its reaped children's ({@code cutime}, {@code
 * cstime}), so a command that ended within the agent still counts; one reaped elsewhere is lost.
 */
final class ProcessTreeUsage {
    /** {@code /proc} counts CPU in USER_HZ ticks, 100 a second on every Linux the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path PROC = Path.of("/proc");
    private static final long PAGE_SIZE = pageSize();

    private ProcessTreeUsage() {
    }

    static AgentUsage of(String agent, ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        if (PAGE_SIZE <= 0) {
            // no /proc (not Linux): the JDK still tells CPU time, of the live processes only
            double cpu = tree.stream().map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
                    .mapToDouble(d -> d.toNanos() / 1e9).sum();
            return new AgentUsage(agent, cpu, null, null, null);
        }
        double ticks = 0;
        long pages = 0;
        for (ProcessHandle p : tree) {
            Optional<String[]> f = statFields(p.pid());
            if (f.isEmpty()) {
                continue; // ended while being read
            }
            String[] v = f.get();
            // after "pid (comm) ": index 0 is field 3 (state); utime..cstime are fields 14..17, rss field 24
            ticks += Long.parseLong(v[11]) + Long.parseLong(v[12]) + Long.parseLong(v[13]) + Long.parseLong(v[14]);
            pages += Long.parseLong(v[21]);
        }
        return new AgentUsage(agent, ticks / TICKS_PER_SECOND, null, pages * PAGE_SIZE, null);
    }

    /** The fields of {@code /proc/PID/stat} after the command name (which may hold spaces and parentheses). */
    private static Optional<String[]> statFields(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).trim().split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The page size {@code stat}'s rss counts in, from this process's own figures in {@code stat}
     * (pages) and {@code status} (kB), rounded to a power of two; 0 without {@code /proc}.
     */
    private static long pageSize() {
        try {
            Optional<String[]> f = statFields(ProcessHandle.current().pid());
            String rssKb = Files.readAllLines(PROC.resolve("self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .findFirst().orElseThrow().replaceAll("\\D", "");
            long pages = Long.parseLong(f.orElseThrow()[21]);
            double ratio = Long.parseLong(rssKb) * 1024.0 / Math.max(1, pages);
            return Long.highestOneBit(Math.round(ratio * 1.25)); // nearest power of two at or below 1.25x
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
