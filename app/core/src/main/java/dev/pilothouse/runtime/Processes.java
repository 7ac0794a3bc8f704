package dev.pilothouse.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process still runs. {@link ProcessHandle#isAlive()} counts a process that has exited
 * but is not yet reaped by its parent (state Z in {@code /proc/PID/stat}) as alive. An agent's
 * wrapper dies with it on a stop, so the agent becomes the child of PID 1; where PID 1 reaps late
 * (containers whose init is not a real init) the stop waited up to its whole grace period for a
 * process that was already gone, and an engine killed with -9 looked like a live owner.
 */
public final class Processes {
    private Processes() {
    }

    /** Alive and not a zombie: the process can still do work, hold files and answer. */
    public static boolean running(ProcessHandle p) {
        return p.isAlive() && !zombie(p.pid());
    }

    /** Exited and waiting to be reaped; false where {@code /proc} does not say (then isAlive() decides). */
    public static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // the command name may hold spaces and parentheses
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
