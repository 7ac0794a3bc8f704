package dev.pilothouse.agent;

/** One NDJSON event of a streamed reply (see docs/agent-contract.md). */
public record AgentEvent(Type type, String text, String stream, Integer exitCode) {
    public enum Type { DELTA, TOOL_OUTPUT, DONE, ERROR }

    public static AgentEvent delta(String text) {
        return new AgentEvent(Type.DELTA, text, null, null);
    }

    public static AgentEvent toolOutput(String stream, String text) {
        return new AgentEvent(Type.TOOL_OUTPUT, text, stream, null);
    }

    /** Text that belongs in the stored reply: deltas and tool output. */
    public boolean carriesReplyText() {
        return type == Type.DELTA || type == Type.TOOL_OUTPUT;
    }
}
