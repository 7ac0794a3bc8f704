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
            return ProcessHandle.of(pid).filter(dev.pilothouse.runtime.Processes::running)
                    .map(p -> p.info().startInstant().map(i -> i.toEpochMilli() == start).orElse(true))
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
