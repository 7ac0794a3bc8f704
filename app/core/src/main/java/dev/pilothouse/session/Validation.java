package dev.pilothouse.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks on everything an operator types. Each message says what was wrong and what is accepted,
 * so the CLI and the console can show it unchanged.
 */
public final class Validation {
    public static final int MAX_NAME = 63;
    public static final int MAX_PROMPT_CHARS = 65_536;
    public static final int MAX_METADATA_BYTES = 16_384;
    public static final int MAX_METADATA_KEY = 128;
    public static final int MAX_WAITING_TIMEOUT = 30 * 24 * 3600;
    public static final long MAX_TTL = 365L * 24 * 3600;
    public static final int DEFAULT_WAITING_TIMEOUT = 300;
    public static final long DEFAULT_TTL = 24 * 3600;

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern UUID_LIKE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern QUANTITY = Pattern.compile("(\\d+(\\.\\d+)?|\\.\\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Validation() {
    }

    /** A session or agent name: what a DNS label accepts, so it can be typed and used anywhere. */
    public static String name(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(what + " name is empty; a name is 1 to " + MAX_NAME
                    + " lowercase letters, digits or '-', starting and ending with a letter or digit", "name");
        }
        if (!NAME.matcher(value).matches()) {
            throw new InvalidInputException("invalid " + what + " name '" + printable(value) + "': a name is 1 to " + MAX_NAME
                    + " lowercase letters, digits or '-', starting and ending with a letter or digit (for example 'q4-analysis')",
                    "name");
        }
        if (isUuid(value)) {
            throw new InvalidInputException("invalid " + what + " name '" + value + "': it has the form of an id; choose a name that is not a UUID", "name");
        }
        return value;
    }

    /** A Kubernetes namespace name: a DNS-1123 label. */
    public static String namespace(String value) {
        if (value == null || value.isBlank() || !NAME.matcher(value).matches()) {
            throw new InvalidInputException("invalid namespace '" + (value == null ? "" : printable(value))
                    + "': a namespace is 1 to " + MAX_NAME + " lowercase letters, digits or '-', starting and ending "
                    + "with a letter or digit (a DNS-1123 label, for example 'team-a')", "namespace");
        }
        return value;
    }

    public static boolean isUuid(String value) {
        return value != null && UUID_LIKE.matcher(value).matches();
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** A prompt or message: not empty when required, and within the size limit. */
    public static String prompt(String what, String value, boolean required) {
        return prompt(what, value, required, null);
    }

    /** As {@link #prompt(String, String, boolean)}; an error names {@code field} (the REST API's field). */
    public static String prompt(String what, String value, boolean required, String field) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw new InvalidInputException(what + " is empty; give the text to send (1 to " + MAX_PROMPT_CHARS
                        + " characters)", field);
            }
            return "";
        }
        if (value.length() > MAX_PROMPT_CHARS) {
            throw new InvalidInputException(what + " is " + value.length() + " characters long; the limit is "
                    + MAX_PROMPT_CHARS + " characters", field);
        }
        if (value.indexOf('\0') >= 0) {
            throw new InvalidInputException(what + " contains a NUL character; only text is accepted", field);
        }
        return value;
    }

    /** Metadata: a JSON object, returned in compact canonical form. */
    public static String metadata(String json) {
        if (json == null || json.isBlank()) {
            return "{}";
        }
        JsonNode node;
        try {
            node = Json.readOne(Json.MAPPER, json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("metadata is not valid JSON: " + Json.problem(e)
                    + "; give one JSON object, each key once, such as {\"project\":\"q4\",\"priority\":\"high\"}", "metadata");
        }
        return metadata(node);
    }

    public static String metadata(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException("metadata must be a JSON object such as {\"project\":\"q4\"}, not "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()), "metadata");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.isEmpty() || key.length() > MAX_METADATA_KEY) {
                throw new InvalidInputException("metadata key '" + printable(key) + "' is not accepted; keys are 1 to "
                        + MAX_METADATA_KEY + " characters", "metadata");
            }
        }
        String text = Json.compact(node);
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_METADATA_BYTES) {
            throw new InvalidInputException("metadata is " + bytes + " bytes as JSON; the limit is " + MAX_METADATA_BYTES + " bytes", "metadata");
        }
        return text;
    }

    public static int waitingTimeout(long seconds) {
        if (seconds < 1 || seconds > MAX_WAITING_TIMEOUT) {
            throw new InvalidInputException("waiting timeout " + seconds + " s is out of range; accepted: 1 to "
                    + MAX_WAITING_TIMEOUT + " seconds (30 days)", "waiting_timeout_seconds");
        }
        return (int) seconds;
    }

    public static long ttl(long seconds) {
        if (seconds < 1 || seconds > MAX_TTL) {
            throw new InvalidInputException("TTL " + seconds + " s is out of range; accepted: 1 to " + MAX_TTL + " seconds (365 days)", "ttl_seconds");
        }
        return seconds;
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})([smhd])");

    /**
     * A duration as an operator types it: seconds (300) or numbers with units (5m, 24h, 7d,
     * 1h30m). Range checks are the caller's ({@link #waitingTimeout}, {@link #ttl}).
     */
    public static long duration(String what, String text) {
        String v = text == null ? "" : text.trim();
        if (v.matches("\\d+")) {
            // too many digits for a long is still "out of range", which the range check words
            return v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v);
        }
        String accepted = "give seconds (300) or numbers with units s, m, h, d (5m, 24h, 7d, 1h30m)";
        if (v.startsWith("-")) {
            throw new InvalidInputException("invalid " + what + " '" + printable(v) + "': it must be positive; " + accepted);
        }
        java.util.regex.Matcher m = DURATION_PART.matcher(v);
        long total = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "s" -> n;
                case "m" -> n * 60;
                case "h" -> n * 3600;
                default -> n * 86400;
            };
            end = m.end();
        }
        if (end == 0 || end != v.length()) {
            throw new InvalidInputException("invalid " + what + " '" + printable(v) + "': " + accepted);
        }
        return total;
    }

    /** A Kubernetes quantity such as 500m, 2, 512Mi or 10Gi. */
    public static String quantity(String field, String value) {
        if (value == null) {
            return null;
        }
        if (!QUANTITY.matcher(value).matches() || QUANTITY.matcher(value).replaceAll("$1").matches("0*\\.?0*")) {
            throw new InvalidInputException("invalid " + field + " '" + printable(value)
                    + "': give a positive Kubernetes quantity such as 500m, 2, 512Mi or 10Gi", "resources." + field);
        }
        return value;
    }

    /** Whether two Kubernetes quantities (as {@link #quantity} accepts them) are the same amount: 1000m and 1. */
    public static boolean sameQuantity(String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        return amount(a).compareTo(amount(b)) == 0;
    }

    private static java.math.BigDecimal amount(String q) {
        Matcher m = QUANTITY.matcher(q);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a quantity: " + q);
        }
        java.math.BigDecimal n = new java.math.BigDecimal(m.group(1));
        String suffix = m.group(3) == null ? "" : m.group(3);
        return switch (suffix) {
            case "" -> n;
            case "m" -> n.movePointLeft(3);
            case "k" -> n.movePointRight(3);
            case "M" -> n.movePointRight(6);
            case "G" -> n.movePointRight(9);
            case "T" -> n.movePointRight(12);
            case "P" -> n.movePointRight(15);
            case "E" -> n.movePointRight(18);
            default -> n.multiply(java.math.BigDecimal.valueOf(2).pow(10 * (" KMGTPE".indexOf(suffix.charAt(0)))));
        };
    }

    public static Resources resources(Resources r) {
        if (r == null) {
            return null;
        }
        return new Resources(quantity("cpu", r.cpu()), quantity("memory", r.memory()), quantity("storage", r.storage()));
    }

    public static int port(long port) {
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("port " + port + " is out of range; accepted: 1 to 65535", "port");
        }
        return (int) port;
    }

    public static String envKey(String key) {
        if (key == null || !ENV_KEY.matcher(key).matches()) {
            throw new InvalidInputException("environment variable name '" + printable(String.valueOf(key))
                    + "' is not accepted; use letters, digits and '_', not starting with a digit", "env");
        }
        return key;
    }

    /** Keeps error messages readable when the input holds control characters or is huge. */
    public static String printable(String s) {
        String clipped = s.length() > 80 ? s.substring(0, 77) + "..." : s;
        StringBuilder b = new StringBuilder();
        clipped.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
