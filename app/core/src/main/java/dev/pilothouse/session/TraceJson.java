package dev.pilothouse.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.json.Json;

import java.time.Instant;
import java.util.Locale;

/** Traces, request logs and timelines as JSON, the same for {@code -o json} and the REST API. */
public final class TraceJson {
    private TraceJson() {
    }

    public static ObjectNode event(TraceEvent e) {
        ObjectNode n = Json.object().put("seq", e.seq()).put("at_ms", e.atMillis())
                .put("type", e.type().name().toLowerCase(Locale.ROOT)).put("chars", e.chars()).put("text", e.text());
        if (e.stream() != null) {
            n.put("stream", e.stream());
        }
        if (e.exitCode() != null) {
            n.put("exit_code", e.exitCode());
        }
        return n;
    }

    public static TraceEvent eventFrom(long messageId, JsonNode n) {
        JsonNode text = n.get("text");
        JsonNode stream = n.get("stream");
        JsonNode exit = n.get("exit_code");
        return new TraceEvent(messageId, n.path("seq").asInt(), n.path("at_ms").asLong(),
                AgentEvent.Type.valueOf(n.path("type").asText().toUpperCase(Locale.ROOT)),
                stream == null || stream.isNull() ? null : stream.asText(), n.path("chars").asInt(),
                text == null || text.isNull() ? null : text.asText(), exit == null || exit.isNull() ? null : exit.asInt());
    }

    public static ObjectNode request(AgentRequest r) {
        return Json.object().put("message_id", r.messageId()).put("reply_id", r.replyId() == 0 ? null : r.replyId())
                .put("agent", r.agent()).put("sent_at", Json.time(r.sentAt())).put("first_event_ms", r.firstEventMillis())
                .put("latency_ms", r.latencyMillis()).put("sent_chars", r.sentChars()).put("reply_chars", r.replyChars())
                .put("events", r.events()).put("status", r.status() == null ? "PENDING" : r.status().name())
                .put("error", r.error());
    }

    public static ObjectNode entry(TimelineEntry e) {
        ObjectNode n = Json.object().put("at", Json.time(e.at())).put("kind", e.kind()).put("agent", e.agent())
                .put("summary", e.summary());
        n.set("detail", e.detail());
        return n;
    }

    public static TimelineEntry entryFrom(JsonNode n) {
        JsonNode agent = n.get("agent");
        JsonNode detail = n.get("detail");
        return new TimelineEntry(Instant.parse(n.path("at").asText()), n.path("kind").asText(),
                agent == null || agent.isNull() ? null : agent.asText(), n.path("summary").asText(),
                detail instanceof ObjectNode o ? o : Json.object());
    }
}
