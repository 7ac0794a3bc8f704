package dev.pilothouse.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Jackson's syntax errors told in plain words with where they are, never in the parser's own terms. */
class JsonProblemTest {
    private static String problem(String text) {
        try {
            Json.readOne(Json.MAPPER, text);
        } catch (JsonProcessingException e) {
            return Json.problem(e);
        }
        return fail("read without a problem: " + text);
    }

    @Test
    void syntaxErrorsAreTheirOwnWordsWithLineAndColumn() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"name\":\"n1\",\"agents\":[\"reference\"]", "it ends before the object opened at line 1, column 1 is closed");
        cases.put("[1, 2", "it ends before the array opened at line 1, column 1 is closed");
        cases.put("{\"name\":\"n1", "it ends inside a string");
        cases.put("{\"name\":tru}", "'tru' is not a JSON value");
        cases.put("{name:\"n1\"}", "a field name must be in double quotes");
        cases.put("{\"name\":\"n1\",}", "a trailing comma");
        cases.put("[1,]", "a trailing comma");
        cases.put("{\"name\":\"a\\qb\"}", "'\\q' is not a JSON escape");
        cases.put("{\"name\" \"n1\"}", "where a colon should follow the field name");
        cases.put("{\"name\":\"n1\" \"x\":1}", "where a comma or '}' should follow");
        cases.put("{\"name\":'n1'}", "double quotes, not single quotes");
        cases.put("{\"name\":\"a\nb\"}", "the control character U+000A");
        cases.forEach((text, expected) -> {
            String p = problem(text);
            assertThat(p).as(text).contains(expected).containsPattern("\\(line \\d+, column \\d+\\)$")
                    .doesNotContain("Source").doesNotContain("Feature").doesNotContain("REDACTED")
                    .doesNotContain("(code ").doesNotContain("Unexpected").doesNotContain("JSON String")
                    .doesNotContain("VALUE_").doesNotContain("marker");
        });
        assertThat(problem("{\"name\":\"n1\",\"agents\":[\"reference\"]")).isEqualTo(
                "it ends before the object opened at line 1, column 1 is closed (line 1, column 36)");
    }
}
