package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.AgentUsage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CPU seconds and resident memory of an agent's process tree, read from Linux's {@code /proc}: an
 * agent's work runs in child processes ({@code $ } commands), so the agent alone would show none of
 * it. Each live process counts its own time and its reaped children's ({@code cutime}, {@code
 * cstime}), so a command that ended within the agent still counts; one reaped elsewhere is lost.
 * {@code /proc} is read once for all agents of a sampling round ({@link #FRESH}): walking each
 * agent's descendants on its own would read every process of the machine per agent.
 */
final class ProcessTreeUsage {
    /** {@code /proc} counts CPU in USER_HZ ticks, 100 a second on every Linux the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100;
    private static final Path PROC = Path.of("/proc");
    private static final long PAGE_SIZE = pageSize();
    /**
     * How long one reading of the process table serves: the agents of one round are read within it,
     * and a rate taken against the time of the call is off by at most this much.
     */
    private static final long FRESH = Duration.ofMillis(100).toNanos();

    /** One process as {@code /proc/PID/stat} gives it. */
    private record Proc(long pid, long ppid, long ticks, long rssPages) {
    }

    private record Table(long readAt, Map<Long, Proc> byPid, Map<Long, List<Long>> children) {
    }

    private static Table table;

    private ProcessTreeUsage() {
    }

    static AgentUsage of(String agent, ProcessHandle root) {
        if (PAGE_SIZE <= 0) {
            // no /proc (not Linux): the JDK still tells CPU time, of the live processes only
            List<ProcessHandle> tree = new ArrayList<>();
            tree.add(root);
            root.descendants().forEach(tree::add);
            double cpu = tree.stream().map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
                    .mapToDouble(d -> d.toNanos() / 1e9).sum();
            return new AgentUsage(agent, cpu, null, null, null);
        }
        Table t = current();
        long ticks = 0;
        long pages = 0;
        Deque<Long> todo = new ArrayDeque<>(List.of(root.pid()));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            Proc p = t.byPid().get(pid);
            if (p != null) {
                ticks += p.ticks();
                pages += p.rssPages();
            }
            todo.addAll(t.children().getOrDefault(pid, List.of()));
        }
        return new AgentUsage(agent, ticks / TICKS_PER_SECOND, null, pages * PAGE_SIZE, null);
    }

    private static synchronized Table current() {
        long now = System.nanoTime();
        if (table == null || now - table.readAt() > FRESH) {
            table = read(now);
        }
        return table;
    }

    private static Table read(long now) {
        Map<Long, Proc> byPid = new HashMap<>();
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars()
                .allMatch(Character::isDigit))) {
            for (Path d : dirs) {
                long pid = Long.parseLong(d.getFileName().toString());
                statFields(pid).ifPresent(v -> {
                    // after "pid (comm) ": index 0 is field 3 (state), 1 ppid; utime..cstime fields 14..17, rss 24
                    Proc p = new Proc(pid, Long.parseLong(v[1]), Long.parseLong(v[11]) + Long.parseLong(v[12])
                            + Long.parseLong(v[13]) + Long.parseLong(v[14]), Long.parseLong(v[21]));
                    byPid.put(pid, p);
                    children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(pid);
                });
            }
        } catch (IOException e) {
            // /proc unreadable now: no figures this round
        }
        return new Table(now, byPid, children);
    }

    /** The fields of {@code /proc/PID/stat} after the command name (which may hold spaces and parentheses). */
    private static Optional<String[]> statFields(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).trim().split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // ended while being read
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
