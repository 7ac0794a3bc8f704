package dev.pilothouse.guardrails;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code no-pii-exposure} looks for. The order is the precedence when findings overlap: the more
 * specific kind names the merged finding (an API key inside a high-entropy run is an {@code api-key}).
 */
public enum PiiKind {
    PRIVATE_KEY("private-key"),
    API_KEY("api-key"),
    CARD("card"),
    IBAN("iban"),
    SSN("ssn"),
    EMAIL("email"),
    PHONE("phone"),
    IP("ip"),
    HIGH_ENTROPY("high-entropy");

    /** The kinds the alias {@code secret} stands for. */
    public static final Set<PiiKind> SECRETS = Set.copyOf(EnumSet.of(PRIVATE_KEY, API_KEY, HIGH_ENTROPY));

    private final String wireName;

    PiiKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name in options, audit events and {@code [REDACTED:kind]}. */
    public String wireName() {
        return wireName;
    }

    public static Optional<PiiKind> byWireName(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
    }
}
