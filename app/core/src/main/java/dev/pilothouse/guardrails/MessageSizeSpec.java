package dev.pilothouse.guardrails;

import java.util.List;

/** {@code max-message-size}: the most characters (UTF-16 units, {@link String#length()}) a message may have. */
public record MessageSizeSpec(int maxChars) implements GuardrailSpec {
    static final List<String> OPTIONS = List.of("chars");
    static final int MAX = 10_000_000;
    public static final MessageSizeSpec DEFAULT = new MessageSizeSpec(100_000);

    public MessageSizeSpec {
        if (maxChars < 1 || maxChars > MAX) {
            throw new IllegalArgumentException("max-message-size out of range: " + maxChars);
        }
    }

    static MessageSizeSpec from(SpecOptions o) {
        return new MessageSizeSpec(o.integer("chars", DEFAULT.maxChars(), 1, MAX, false,
                "the most characters a message may have"));
    }

    @Override
    public String name() {
        return MAX_MESSAGE_SIZE;
    }

    @Override
    public String canonical() {
        return name() + ":chars=" + maxChars;
    }

    @Override
    public String toString() {
        return canonical();
    }
}
