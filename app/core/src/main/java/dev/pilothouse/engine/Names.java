package dev.pilothouse.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Validation;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names the engine makes up: for sessions created without one, and for remixes. */
final class Names {
    private static final Pattern NUMBERED = Pattern.compile("(.+)-(\\d{1,6})");
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Names() {
    }

    /** {@code <agent>-<6 random characters>}, e.g. {@code reference-k3x9qa}. */
    static String generated(String agent) {
        StringBuilder b = new StringBuilder(stem(agent, 56)).append('-');
        for (int i = 0; i < 6; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** The parent's name stem with the next free number: analysis → analysis-2, analysis-2 → analysis-3. */
    static String remixName(String parent, Predicate<String> taken) {
        Matcher m = NUMBERED.matcher(parent);
        String stem = m.matches() ? m.group(1) : parent;
        int n = m.matches() ? Integer.parseInt(m.group(2)) + 1 : 2;
        while (true) {
            String suffix = "-" + n;
            String candidate = stem(stem, Validation.MAX_NAME - suffix.length()) + suffix;
            if (!taken.test(candidate)) {
                return candidate;
            }
            n++;
        }
    }

    private static String stem(String s, int max) {
        String cut = s.length() <= max ? s : s.substring(0, max);
        return cut.replaceAll("-+$", "");
    }

    /** Metadata values given as text: JSON when they parse as JSON, else plain strings. */
    static Map<String, JsonNode> parseMetadataValues(Map<String, String> values) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            JsonNode node;
            try {
                node = Json.readOne(Json.MAPPER, v);
                if (node == null || node.isMissingNode()) {
                    node = TextNode.valueOf(v);
                }
            } catch (JsonProcessingException e) {
                String t = v.strip();
                if (t.startsWith("{") || t.startsWith("[")) {
                    // meant as a JSON object or list, but malformed: storing it as text would hide the mistake
                    throw new dev.pilothouse.errors.InvalidInputException("metadata value of '" + k
                            + "' looks like JSON but is not valid: " + Json.problem(e) + "; give valid JSON (each key once), "
                            + "or a JSON string such as '\"[draft]\"' for text starting with { or [");
                }
                node = TextNode.valueOf(v);
            }
            out.put(k, node);
        });
        return out;
    }
}
