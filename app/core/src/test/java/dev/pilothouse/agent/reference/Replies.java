package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading NDJSON replies in tests. */
final class Replies {
    private Replies() {
    }

    /** The stored reply of the contract: delta and tool_output texts in order. */
    static String text(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("type").asText().equals("delta")
                        || e.path("type").asText().equals("tool_output"))
                .map(e -> e.path("text").asText()).collect(Collectors.joining());
    }

    static String output(List<JsonNode> events, String stream) {
        return events.stream().filter(e -> e.path("type").asText().equals("tool_output")
                        && e.path("stream").asText().equals(stream))
                .map(e -> e.path("text").asText()).collect(Collectors.joining());
    }

    static List<String> deltas(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("type").asText().equals("delta"))
                .map(e -> e.path("text").asText()).toList();
    }

    /** Checks the contract's shape (exactly one done or error, and it is last) and returns that event. */
    static JsonNode end(List<JsonNode> events) {
        assertThat(events).isNotEmpty();
        List<JsonNode> ends = events.stream().filter(e -> e.path("type").asText().equals("done")
                || e.path("type").asText().equals("error")).toList();
        assertThat(ends).as("done/error events in %s", events).hasSize(1);
        assertThat(events.get(events.size() - 1)).isEqualTo(ends.get(0));
        return ends.get(0);
    }

    static void assertDone(List<JsonNode> events, int exitCode) {
        JsonNode end = end(events);
        assertThat(end.path("type").asText()).as("%s", events).isEqualTo("done");
        assertThat(end.path("exit_code").asInt(-1)).isEqualTo(exitCode);
        assertThat(deltas(events)).last().isEqualTo("exit code " + exitCode);
    }

    static String errorMessage(List<JsonNode> events) {
        JsonNode end = end(events);
        assertThat(end.path("type").asText()).as("%s", events).isEqualTo("error");
        return end.path("message").asText();
    }
}
