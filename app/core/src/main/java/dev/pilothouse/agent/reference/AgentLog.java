package dev.pilothouse.agent.reference;

/**
 * The agent's log: plain lines on stdout, warnings on stderr. Pilothouse keeps both streams as the
 * agent's log, so no logging framework is loaded; that keeps the start of every session fast.
 */
final class AgentLog {
    private AgentLog() {
    }

    static void info(String line) {
        System.out.println(line);
    }

    static void warn(String line) {
        System.err.println("warning: " + line);
    }
}
