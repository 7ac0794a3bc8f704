package dev.pilothouse.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch's input rows, read from JSON lines (one object a line), CSV with a header, or a JSON
 * array (the REST API). Each row's fields become template parameters, so every value must be text
 * (numbers and booleans are taken as written). Every problem is bad input that names the line.
 */
public final class BatchInputs {
    /** The most rows a batch takes. */
    public static final int MAX_ROWS = 10_000;

    /** One input row; {@code line} is where it was in the file (its index in an array for the API). */
    public record Row(int line, Map<String, String> fields) {
    }

    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.FAIL_ON_MISSING_COLUMNS)
            .enable(CsvParser.Feature.FAIL_ON_MISSING_HEADER_COLUMNS).build();

    private BatchInputs() {
    }

    /**
     * Reads {@code text} as CSV when {@code fileName} ends in .csv, else as JSON lines; {@code what}
     * begins every message (the option and file name).
     */
    public static List<Row> parse(String fileName, String what, String text) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        return lower.endsWith(".csv") ? csv(what, text) : jsonLines(what, text);
    }

    /** JSON lines: each non-blank line one JSON object. */
    public static List<Row> jsonLines(String what, String text) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            int number = i + 1;
            JsonNode n;
            try {
                n = Json.readOne(Json.MAPPER, line);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException(what + ": line " + number + " is not valid JSON: " + Json.problem(e)
                        .replaceAll(" \\(line 1, column (\\d+)\\)", " (column $1)") + "; each line must be one JSON object");
            }
            if (!n.isObject()) {
                throw new InvalidInputException(what + ": line " + number + " is " + kind(n) + ", not a JSON object; each "
                        + "line must be one object whose fields are the template's parameters, e.g. {\"dataset\": \"q4.csv\"}");
            }
            rows.add(new Row(number, fields(n, what + ": line " + number)));
            limit(what, rows);
        }
        return nonEmpty(what, rows);
    }

    /** CSV: a header naming the parameters, then one row a line. */
    public static List<Row> csv(String what, String text) {
        List<Row> rows = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class)
                .with(CsvSchema.emptySchema().withHeader().withStrictHeaders(false)).readValues(text)) {
            while (true) {
                int line;
                Map<String, String> values;
                try {
                    if (!it.hasNextValue()) {
                        break;
                    }
                    line = it.getCurrentLocation().getLineNr();
                    values = it.nextValue();
                } catch (RuntimeException e) {
                    if (e.getCause() instanceof JsonProcessingException j) {
                        throw csvProblem(what, j);
                    }
                    throw e;
                }
                Map<String, String> fields = new LinkedHashMap<>();
                values.forEach((k, v) -> fields.put(k.strip(), v));
                rows.add(new Row(line, fields));
                limit(what, rows);
            }
        } catch (JsonProcessingException e) {
            throw csvProblem(what, e);
        } catch (IOException e) {
            throw new InvalidInputException(what + ": cannot be read as CSV: " + e.getMessage());
        }
        return nonEmpty(what, rows);
    }

    private static InvalidInputException csvProblem(String what, JsonProcessingException e) {
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        String message = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        return new InvalidInputException(what + ": " + (line > 0 ? "line " + line + " is not valid CSV: " : "not valid CSV: ")
                + message + "; the first line names the parameters, each further line gives one row's values");
    }

    /** The API's form: a JSON array of objects. */
    public static List<Row> fromJson(String what, JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new InvalidInputException(what + " must be a JSON array of objects (one a row), e.g. [{\"dataset\": \"q4.csv\"}]",
                    what);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            if (!n.isObject()) {
                throw new InvalidInputException(what + "[" + i + "] is " + kind(n) + ", not an object", what);
            }
            rows.add(new Row(i + 1, fields(n, what + "[" + i + "]")));
            limit(what, rows);
        }
        return nonEmpty(what, rows);
    }

    private static Map<String, String> fields(JsonNode n, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        var it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw new InvalidInputException(where + ": field '" + e.getKey() + "' is " + kind(v) + "; a parameter's "
                        + "value is text (a number or true/false is taken as written)");
            }
            out.put(e.getKey(), v.asText());
        }
        return out;
    }

    private static String kind(JsonNode n) {
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isNull()) {
            return "null";
        }
        return n.isTextual() ? "a string" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : n.getNodeType().name();
    }

    private static void limit(String what, List<Row> rows) {
        if (rows.size() > MAX_ROWS) {
            throw new InvalidInputException(what + ": more than " + MAX_ROWS + " rows; split it into several batches");
        }
    }

    private static List<Row> nonEmpty(String what, List<Row> rows) {
        if (rows.isEmpty()) {
            throw new InvalidInputException(what + ": no rows; give at least one");
        }
        return rows;
    }
}
