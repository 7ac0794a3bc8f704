package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.Processes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Process groups, where the system shows them ({@code /proc}, Linux): an agent's wrapper runs
 * under {@code setsid}, so it leads a group that every process it starts joins. Elsewhere nothing
 * leads a group here and stops fall back to the processes seen at the time.
 */
final class ProcessGroups {
    private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);
    private static final Path PROC = Path.of("/proc");

    private ProcessGroups() {
    }

    /** The process group of a process, from {@code /proc/<pid>/stat}. */
    static OptionalLong of(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(rest[2]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Whether the process leads its own group (and so signalling the group never reaches the engine). */
    static boolean leads(ProcessHandle p) {
        OptionalLong g = of(p.pid());
        return g.isPresent() && g.getAsLong() == p.pid() && g.getAsLong() != of(ProcessHandle.current().pid()).orElse(-1);
    }

    /**
     * Waits (at most {@code maxMillis}) until a just-started process leads its own group: for a
     * moment after it starts, {@code setsid} has not yet made the new group, and a child forked
     * after a stop looked would escape it.
     */
    static void awaitLeader(ProcessHandle p, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        while (Processes.running(p) && of(p.pid()).orElse(p.pid()) != p.pid() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }

    /** The live members of a group. */
    static List<ProcessHandle> members(long group) {
        return ProcessHandle.allProcesses().filter(Processes::running)
                .filter(h -> of(h.pid()).orElse(-1) == group).toList();
    }

    /** Sends {@code signal} (TERM, KILL) to every process of the group. */
    static void signal(long group, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + group)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            log.warn("cannot signal process group {}: {}", group, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
