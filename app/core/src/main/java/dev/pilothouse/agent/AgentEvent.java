package dev.pilothouse.agent;

/**
 * One NDJSON event of a streamed reply (see docs/agent-contract.md).
 *
 * @param inputTokens  what a {@code done} event reported in {@code usage.input_tokens}; null when it did not
 * @param outputTokens {@code usage.output_tokens}
 */
public record AgentEvent(Type type, String text, String stream, Integer exitCode, Long inputTokens, Long outputTokens) {
    public enum Type { DELTA, TOOL_OUTPUT, DONE, ERROR }

    public AgentEvent(Type type, String text, String stream, Integer exitCode) {
        this(type, text, stream, exitCode, null, null);
    }

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
