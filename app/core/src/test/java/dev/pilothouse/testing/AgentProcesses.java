package dev.pilothouse.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts the agent processes that really run for a session, whoever started them and whatever the
 * runtime's records say: every process on the machine whose environment carries the session's
 * {@code PILOTHOUSE_SESSION_ID} and whose program is a JVM (the reference agent; its {@code sh}
 * wrapper is not counted). Linux only: it reads {@code /proc/<pid>/environ}.
 */
public final class AgentProcesses {
    private AgentProcesses() {
    }

    /** Pids of the agent JVMs of the session, orphans included. */
    public static List<Long> of(String sessionId) {
        byte[] needle = ("PILOTHOUSE_SESSION_ID=" + sessionId).getBytes(StandardCharsets.UTF_8);
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .filter(p -> environContains(p.pid(), needle))
                .map(ProcessHandle::pid)
                .toList();
    }

    private static boolean environContains(long pid, byte[] needle) {
        byte[] env;
        try {
            env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException | SecurityException e) {
            return false;
        }
        // entries are NUL-separated: match a whole entry
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (env[i + j] != needle[j]) {
                    continue outer;
                }
            }
            if (i + needle.length == env.length || env[i + needle.length] == 0) {
                return true;
            }
        }
        return false;
    }
}
