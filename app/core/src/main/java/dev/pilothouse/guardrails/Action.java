package dev.pilothouse.guardrails;

/** What a guardrail did to a message: the {@code action} of an audit event. */
public enum Action {
    /** Nothing of the message was delivered. */
    BLOCK("block"),
    /** The message was delivered with the finding replaced by {@code [REDACTED:kind]}. */
    REDACT("redact"),
    /** The message was turned away whole, for its size or its rate, not for what it says. */
    REFUSE("refuse");

    private final String wireName;

    Action(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
