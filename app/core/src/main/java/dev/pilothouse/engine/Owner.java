package dev.pilothouse.engine;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Identifies an engine doing long work on a session (starting it, waiting on a reply), written
 * into the session so that other engines on the data dir leave the work alone while its owner
 * lives, and finish or undo it once the owner is gone.
 */
final class Owner {
    private static final Set<String> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();
    private static final long PID = ProcessHandle.current().pid();

    private Owner() {
    }

    /** A new owner id for an engine opening in this process: pid, process start, instance. */
    static String open() {
        Instant start = ProcessHandle.current().info().startInstant().orElse(Instant.EPOCH);
        String id = PID + ":" + start.toEpochMilli() + ":" + UUID.randomUUID().toString().substring(0, 8);
        OPEN_IN_THIS_PROCESS.add(id);
        return id;
    }

    static void close(String id) {
        OPEN_IN_THIS_PROCESS.remove(id);
    }

    static boolean alive(String owner) {
        if (owner == null) {
            return false;
        }
        String[] parts = owner.split(":");
        if (parts.length != 3) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[0]);
            if (pid == PID) {
                return OPEN_IN_THIS_PROCESS.contains(owner);
            }
            long start = Long.parseLong(parts[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> !zombie(p.pid()))
                    .map(p -> p.info().startInstant().map(i -> i.toEpochMilli() == start).orElse(true))
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * A process killed but not yet reaped by its parent (state Z in /proc/PID/stat): isAlive()
     * still says true, yet it will never finish its work. An engine killed with -9 whose parent
     * had not waited for it yet left its sessions BUSY under the next engine (MultiProcessIT).
     */
    static boolean zombie(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // the command name may hold spaces and parentheses
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return false; // no /proc (not Linux), or gone: isAlive() decides
        }
    }
}
