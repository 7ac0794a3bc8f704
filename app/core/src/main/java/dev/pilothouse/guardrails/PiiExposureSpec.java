package dev.pilothouse.guardrails;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code no-pii-exposure}: what to look for ({@code kinds}, default all) and what to do when it is found
 * ({@code action}: {@code block}, the default, delivers nothing and tells the operator the kinds and
 * places; {@code redact} delivers the text with each finding replaced by {@code [REDACTED:kind]}).
 * Kinds are {@link PiiKind} names joined with '+', or {@code all}, or {@code secret} for
 * private-key+api-key+high-entropy and {@code ip}.
 */
public record PiiExposureSpec(Action action, Set<PiiKind> kinds) implements GuardrailSpec {
    static final List<String> OPTIONS = List.of("action", "kinds");
    public static final PiiExposureSpec DEFAULT = new PiiExposureSpec(Action.BLOCK, EnumSet.allOf(PiiKind.class));

    public PiiExposureSpec {
        if (action != Action.BLOCK && action != Action.REDACT) {
            throw new IllegalArgumentException("no-pii-exposure blocks or redacts, not " + action);
        }
        if (kinds == null || kinds.isEmpty()) {
            throw new IllegalArgumentException("no-pii-exposure needs at least one kind");
        }
        kinds = Set.copyOf(kinds);
    }

    static PiiExposureSpec from(SpecOptions options) {
        Action action = options.take("action", DEFAULT.action(), v -> switch (v) {
            case "block" -> Action.BLOCK;
            case "redact" -> Action.REDACT;
            default -> throw options.error("action=" + v + " is not accepted; action is block or redact");
        });
        Set<PiiKind> kinds = options.take("kinds", DEFAULT.kinds(), v -> kinds(v, options));
        return new PiiExposureSpec(action, kinds);
    }

    private static Set<PiiKind> kinds(String value, SpecOptions options) {
        EnumSet<PiiKind> kinds = EnumSet.noneOf(PiiKind.class);
        for (String k : value.split("\\+", -1)) {
            String name = k.strip();
            if (name.equals("all")) {
                kinds.addAll(EnumSet.allOf(PiiKind.class));
            } else if (name.equals("secret")) {
                kinds.addAll(PiiKind.SECRETS);
            } else {
                PiiKind kind = PiiKind.byWireName(name).orElseThrow(() -> options.error("kinds=" + value + ": \""
                        + name + "\" is not a kind; kinds are " + acceptedKinds() + ", joined with '+'"));
                kinds.add(kind);
            }
        }
        return kinds;
    }

    static String acceptedKinds() {
        List<String> names = new ArrayList<>(List.of("all", "secret"));
        Arrays.stream(PiiKind.values()).map(PiiKind::wireName).forEach(names::add);
        return String.join(", ", names);
    }

    @Override
    public String name() {
        return NO_PII_EXPOSURE;
    }

    @Override
    public String canonical() {
        String k = kinds.size() == PiiKind.values().length ? "all"
                : EnumSet.copyOf(kinds).stream().map(PiiKind::wireName).collect(Collectors.joining("+"));
        return name() + ":action=" + action.wireName() + ",kinds=" + k;
    }

    @Override
    public String toString() {
        return canonical();
    }
}
