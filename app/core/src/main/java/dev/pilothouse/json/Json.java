package dev.pilothouse.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The one Jackson configuration of the project: ISO-8601 times, no surprises. Reading is strict:
 * a key given twice and text after the value are errors, not silently the last key or ignored.
 */
public final class Json {
    public static final ObjectMapper MAPPER = configure(new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()));
    public static final ObjectMapper YAML = configure(new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build()));

    private Json() {
    }

    private static ObjectMapper configure(ObjectMapper m) {
        return m.registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Reads one JSON or YAML value an operator wrote: exactly one value (nothing after it, one
     * YAML document), each key once, and no YAML aliases ({@code *name}): Jackson's tree would
     * hold the anchor's name instead of its value, so they are refused rather than misread.
     * Empty text gives a missing node. {@link #problem} words what is wrong.
     */
    public static JsonNode readOne(ObjectMapper mapper, String text) throws JsonProcessingException {
        try {
            if (mapper.getFactory() instanceof YAMLFactory) {
                refuseAliases(mapper, text);
            }
            try (JsonParser p = mapper.createParser(text)) {
                // the trailing check is done here, to say what follows the value and where
                JsonNode node = mapper.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(p);
                JsonLocation end = p.currentLocation();
                JsonToken next;
                try {
                    next = p.nextToken();
                } catch (JsonProcessingException after) {
                    next = JsonToken.NOT_AVAILABLE;
                }
                if (next != null) {
                    throw new InputProblem(mapper.getFactory() instanceof YAMLFactory
                            ? "there is more than one document (a second value after line " + end.getLineNr() + ")"
                            : "there is text after the end of the value, at line " + end.getLineNr() + ", column "
                            + end.getColumnNr() + " (" + clip(after(text, end)) + ")", end);
                }
                return node == null ? mapper.missingNode() : node;
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does not fail with I/O
        }
    }

    private static void refuseAliases(ObjectMapper mapper, String text) throws IOException {
        try (JsonParser p = mapper.createParser(text)) {
            while (p.nextToken() != null) {
                if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                    JsonLocation at = p.currentTokenLocation();
                    throw new InputProblem("line " + at.getLineNr() + " uses the YAML alias *" + p.getText()
                            + "; aliases (and the anchors they point to) are not accepted: write the value out in full",
                            at);
                }
            }
        } catch (JsonProcessingException e) {
            if (e instanceof InputProblem) {
                throw e;
            }
            // a syntax error: reported by the real read, with its own words
        }
    }

    /** What is wrong with text {@link #readOne} refused, in plain words with where it is. */
    public static String problem(JsonProcessingException e) {
        if (e instanceof InputProblem) {
            return e.getOriginalMessage();
        }
        String message = String.valueOf(e.getOriginalMessage());
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        java.util.regex.Matcher dup = java.util.regex.Pattern.compile("Duplicate field '(.*)'").matcher(message);
        if (dup.find()) {
            return "the key '" + dup.group(1) + "' is given twice" + where + "; each key may appear once";
        }
        if (e instanceof com.fasterxml.jackson.dataformat.yaml.JacksonYAMLParseException
                || e.getClass().getSimpleName().equals("MarkedYAMLException")) {
            return message.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'")
                    && !l.equals("^")).reduce((a, b) -> a + "; " + b).orElse(message) + where;
        }
        return plain(message.lines().findFirst().orElse(message)) + where;
    }

    private static final java.util.regex.Pattern SOURCE = java.util.regex.Pattern.compile(
            "\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");
    private static final java.util.regex.Pattern UNCLOSED = java.util.regex.Pattern.compile(
            "Unexpected end-of-input: expected close marker for (Object|Array) \\(start marker at line (\\d+), column (\\d+)\\)");
    private static final java.util.regex.Pattern UNEXPECTED = java.util.regex.Pattern.compile(
            "Unexpected character \\('(.*?)' \\(code \\d+\\)\\):? ?(.*)");
    private static final java.util.regex.Pattern UNRECOGNIZED = java.util.regex.Pattern.compile("Unrecognized token '([^']*)'");
    private static final java.util.regex.Pattern ESCAPE = java.util.regex.Pattern.compile(
            "Unrecognized character escape '(.*?)' \\(code \\d+\\)");
    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile(
            "Illegal unquoted character \\(\\(CTRL-CHAR, code (\\d+)\\)\\)");

    /**
     * Jackson's syntax errors in plain words: what the text does wrong, never the parser's terms
     * (its source description, token names, character codes).
     */
    private static String syntax(String message) {
        java.util.regex.Matcher m = SOURCE.matcher(message);
        message = m.replaceAll("line $1, column $2");
        m = UNCLOSED.matcher(message);
        if (m.find()) {
            return "it ends before the " + (m.group(1).equals("Object") ? "object" : "array") + " opened at line "
                    + m.group(2) + ", column " + m.group(3) + " is closed";
        }
        if (message.startsWith("Unexpected end-of-input")) {
            if (message.contains("String") || message.contains("quote")) {
                return "it ends inside a string (its closing double quote is missing)";
            }
            return "it ends before the value is complete";
        }
        m = ESCAPE.matcher(message);
        if (m.find()) {
            return "'\\" + m.group(1) + "' is not a JSON escape; the escapes are \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t "
                    + "and \\u followed by four hex digits";
        }
        m = CONTROL.matcher(message);
        if (m.find()) {
            return "a string holds the control character U+" + String.format("%04X", Integer.parseInt(m.group(1)))
                    + " as it is; write it escaped, such as "
                    + "\\n for a line break or \\t for a tab";
        }
        m = UNRECOGNIZED.matcher(message);
        if (m.find()) {
            return "'" + m.group(1) + "' is not a JSON value; a value is a string in double quotes, a number, an object, "
                    + "an array, true, false or null";
        }
        m = UNEXPECTED.matcher(message);
        if (m.find()) {
            String c = m.group(1).equals("\\'") ? "'" : m.group(1);
            String shown = "'" + c + "'";
            String expected = m.group(2);
            if (expected.contains("start field name") || expected.contains("name starting with quote")) {
                return c.equals("}") ? "there is a comma before the '}' with no field after it (a trailing comma)"
                        : "a field name must be in double quotes, such as \"name\"; found " + shown;
            }
            if (expected.contains("separate Object entries")) {
                return shown + " where a comma or '}' should follow a field's value";
            }
            if (expected.contains("separate Array entries")) {
                return shown + " where a comma or ']' should follow a list item";
            }
            if (expected.contains("colon")) {
                return shown + " where a colon should follow the field name";
            }
            if (c.equals("]")) {
                return "there is a comma before the ']' with no item after it (a trailing comma)";
            }
            if (c.equals("'")) {
                return "strings are in double quotes, not single quotes";
            }
            return shown + " where a value was expected; a value is a string in double quotes, a number, an object, "
                    + "an array, true, false or null";
        }
        return message.replaceAll("\\s*\\(code \\d+\\)", "");
    }

    private static final java.util.regex.Pattern NON_STANDARD = java.util.regex.Pattern.compile(
            "Non-standard token '([^']*)'");
    private static final java.util.regex.Pattern DEPTH = java.util.regex.Pattern.compile(
            "nesting depth \\((\\d+)\\) exceeds the maximum allowed \\((\\d+)");

    /**
     * Jackson's words for the reader's settings ({@code JsonReadFeature...}, {@code
     * StreamReadConstraints.getMax...()}) told as what the text did wrong: the reader of the
     * message wrote text, not a parser configuration.
     */
    static String plain(String message) {
        java.util.regex.Matcher m = NON_STANDARD.matcher(message);
        if (m.find()) {
            return "'" + m.group(1) + "' is not a JSON number: numbers are finite and written out, such as 30 or 2.5";
        }
        m = DEPTH.matcher(message);
        if (m.find()) {
            return "the value is nested " + m.group(1) + " levels deep; at most " + m.group(2) + " levels are accepted";
        }
        return syntax(message)
                .replaceAll("\\s*\\(not recognized as one since Feature '[^']*' not enabled for parser\\)", "")
                .replaceAll(":? *enable `[^`]*` to allow", "")
                .replaceAll(", from `[^`]*`\\)", ")")
                .replaceAll("\\s*\\(Feature '[^']*'[^)]*\\)", "")
                .replaceAll("\\s*\\(through reference chain:[^)]*\\)", "");
    }

    /** A problem {@link #readOne} found in text that parsed: trailing text, an alias. */
    public static final class InputProblem extends JsonProcessingException {
        InputProblem(String message, JsonLocation at) {
            super(message, at);
        }
    }

    private static String after(String text, JsonLocation end) {
        long offset = end.getCharOffset();
        return offset >= 0 && offset <= text.length() ? text.substring((int) offset).strip() : "";
    }

    private static String clip(String s) {
        String line = s.lines().findFirst().orElse("");
        return "'" + (line.length() > 40 ? line.substring(0, 37) + "..." : line) + "'";
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String compact(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String pretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses text the project wrote itself; a failure here is a bug, not bad input. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Times in JSON: ISO-8601 UTC to the millisecond, e.g. 2025-01-20T10:00:00.123Z. */
    public static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
