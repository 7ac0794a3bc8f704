package dev.pilothouse.guardrails;

/** Which way a message goes: the engine checks both, a guardrail may care about one only. */
public enum Direction {
    /** A prompt from the operator on its way to the agent. */
    TO_AGENT("to-agent"),
    /** A reply from the agent on its way to the operator's screen. */
    TO_OPERATOR("to-operator");

    private final String wireName;

    Direction(String wireName) {
        this.wireName = wireName;
    }

    /** The name in audit events. */
    public String wireName() {
        return wireName;
    }
}
