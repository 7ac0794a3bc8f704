package dev.pilothouse.engine;

import dev.pilothouse.runtime.AgentStatus;

/** Words for what happened to a runtime, as the operator reads them in ERROR reasons. */
final class Reasons {
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
            "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    private Reasons() {
    }

    /** "agent 'x' exited with code 3" / "was killed by SIGKILL (exit 137)", plus its last log lines. */
    static String exited(String agent, Integer code, String lastLines, String when) {
        StringBuilder b = new StringBuilder("agent '").append(agent).append("' ");
        if (code == null) {
            b.append("stopped without leaving an exit status");
        } else if (code > 128 && code - 128 < SIGNALS.length) {
            b.append("was killed by ").append(SIGNALS[code - 128]).append(" (exit ").append(code).append(')');
        } else {
            b.append("exited with code ").append(code);
        }
        if (when != null) {
            b.append(' ').append(when);
        }
        if (lastLines != null && !lastLines.isBlank()) {
            b.append("; last log lines:\n").append(lastLines);
        }
        return b.toString();
    }

    static String of(AgentStatus s, String when) {
        if (s.kind() == AgentStatus.Kind.FAILED) {
            // the runtime's own reason and message: "ImagePullBackOff: Back-off pulling image ..."
            return "agent '" + s.agent() + "' failed" + (when == null ? "" : " " + when) + ": " + s.detail();
        }
        if (s.kind() == AgentStatus.Kind.STOPPED) {
            return "agent '" + s.agent() + "' is not running" + (s.detail() == null ? " and left no record of why"
                    : ": " + s.detail());
        }
        return exited(s.agent(), s.exitCode(), s.detail(), when);
    }
}
