package dev.pilothouse.guardrails;

import dev.pilothouse.errors.InvalidInputException;

import java.util.List;
import java.util.Locale;

/**
 * A guardrail as an operator names it, by template or {@code --guardrail NAME[:options]}:
 * <pre>
 *   NAME                       the guardrail with its defaults
 *   NAME:key=value[,key=value] options, any order, each at most once; list values joined with '+'
 * </pre>
 * <ul>
 * <li>{@code no-pii-exposure[:action=block|redact][,kinds=all|K+K...]} ({@link PiiExposureSpec});</li>
 * <li>{@code rate-limiting[:session=N|off][,session-burst=N][,agent=N|off][,agent-burst=N]},
 * messages a minute ({@link RateLimitSpec});</li>
 * <li>{@code max-message-size[:chars=N]} ({@link MessageSizeSpec}).</li>
 * </ul>
 * Names, options and values are read case-insensitively. {@link #canonical()} writes every option
 * out, defaults included, so that what the engine stores keeps meaning the same if a default changes;
 * {@code parse(s.canonical())} equals {@code s}. Anything else is an {@link InvalidInputException}
 * naming what was wrong and what is accepted (docs/guardrails.md).
 */
public sealed interface GuardrailSpec permits PiiExposureSpec, RateLimitSpec, MessageSizeSpec {
    String NO_PII_EXPOSURE = "no-pii-exposure";
    String RATE_LIMITING = "rate-limiting";
    String MAX_MESSAGE_SIZE = "max-message-size";
    List<String> NAMES = List.of(NO_PII_EXPOSURE, RATE_LIMITING, MAX_MESSAGE_SIZE);

    String name();

    /** {@code name:option=value,...} with every option, in a fixed order. */
    String canonical();

    static GuardrailSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("a guardrail is NAME or NAME:option=value,...; the guardrails are "
                    + String.join(", ", NAMES), SpecOptions.FIELD);
        }
        String t = text.strip();
        int colon = t.indexOf(':');
        String name = (colon < 0 ? t : t.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        String options = colon < 0 ? null : t.substring(colon + 1);
        switch (name) {
            case NO_PII_EXPOSURE:
                return PiiExposureSpec.from(SpecOptions.parse(name, options, PiiExposureSpec.OPTIONS));
            case RATE_LIMITING:
                return RateLimitSpec.from(SpecOptions.parse(name, options, RateLimitSpec.OPTIONS));
            case MAX_MESSAGE_SIZE:
                return MessageSizeSpec.from(SpecOptions.parse(name, options, MessageSizeSpec.OPTIONS));
            default:
                throw new InvalidInputException("unknown guardrail \"" + name + "\"; the guardrails are "
                        + String.join(", ", NAMES), SpecOptions.FIELD);
        }
    }
}
