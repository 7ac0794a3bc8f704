package dev.pilothouse.testing;

import dev.pilothouse.runtime.local.ProcessEnvironment;

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
        String entry = "PILOTHOUSE_SESSION_ID=" + sessionId;
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .filter(p -> ProcessEnvironment.holds(p.pid(), entry))
                .map(ProcessHandle::pid)
                .toList();
    }
}
