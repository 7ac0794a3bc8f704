package dev.pilothouse.guardrails;

import dev.pilothouse.errors.InvalidInputException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code key=value,key=value} part of a guardrail spec, read strictly: an option the guardrail does
 * not have, one given twice, or one without '=' is an error naming the guardrail, what was wrong and
 * what it accepts. Each spec takes the values it knows with {@link #take}; whatever is left is unknown.
 */
final class SpecOptions {
    static final String FIELD = "guardrail";

    private final String guardrail;
    private final List<String> accepted;
    private final Map<String, String> values = new LinkedHashMap<>();

    private SpecOptions(String guardrail, List<String> accepted) {
        this.guardrail = guardrail;
        this.accepted = accepted;
    }

    /** @param text what follows "name:", or null when there was no ':' */
    static SpecOptions parse(String guardrail, String text, List<String> accepted) {
        SpecOptions options = new SpecOptions(guardrail, accepted);
        if (text == null) {
            return options;
        }
        if (text.isBlank()) {
            throw options.error("nothing after ':'; give option=value pairs separated by ',' (" + options.names()
                    + ") or leave out the ':'");
        }
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw options.error("\"" + p + "\" is not option=value; its options are " + options.names());
            }
            String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = p.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
            if (!accepted.contains(key)) {
                throw options.error("unknown option \"" + key + "\"; its options are " + options.names());
            }
            if (options.values.putIfAbsent(key, value) != null) {
                throw options.error("option \"" + key + "\" is given twice");
            }
        }
        return options;
    }

    <T> T take(String key, T fallback, Function<String, T> read) {
        String v = values.get(key);
        return v == null ? fallback : read.apply(v);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /**
     * A whole number within {@code min..max}, or {@code off} (0) when {@code offAllowed}.
     * @param meaning what the option is, for the message: "messages a minute per session"
     */
    int integer(String key, int fallback, int min, int max, boolean offAllowed, String meaning) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        String accepts = key + " is " + meaning + ", " + min + " to " + max + (offAllowed ? ", or off" : "");
        if (offAllowed && v.equals("off")) {
            return 0;
        }
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw error(key + "=" + v + " is not a whole number; " + accepts);
        }
        if (n < min || n > max) {
            throw error(key + "=" + v + " is out of range; " + accepts);
        }
        return (int) n;
    }

    InvalidInputException error(String what) {
        return new InvalidInputException(guardrail + ": " + what, FIELD);
    }

    private String names() {
        return String.join(", ", accepted);
    }
}
