package dev.pilothouse.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.SessionState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Metrics as JSON, the same for {@code sessions top|metrics -o json} and the REST API. Missing figures are null. */
public final class MetricsJson {
    private MetricsJson() {
    }

    public static ObjectNode top(TopRow r) {
        ObjectNode n = Json.object().put("id", r.sessionId()).put("name", r.name()).put("context", r.context())
                .put("state", r.state().name()).put("created_at", Json.time(r.createdAt()));
        n.set("current", current(r.current()));
        n.set("activity", activity(r.activity()));
        return n;
    }

    public static TopRow topFrom(JsonNode n) {
        return new TopRow(n.path("id").asText(), n.path("name").asText(), n.path("context").asText(),
                SessionState.valueOf(n.path("state").asText()), time(n.get("created_at")),
                currentFrom(n.path("current")), activityFrom(n.path("activity")));
    }

    public static ObjectNode session(SessionMetrics m) {
        ObjectNode n = Json.object().put("id", m.sessionId()).put("name", m.name()).put("context", m.context())
                .put("state", m.state().name()).put("created_at", Json.time(m.createdAt()))
                .put("age_seconds", m.ageSeconds()).put("running_seconds", m.runningSeconds());
        n.set("current", current(m.current()));
        n.set("activity", activity(m.activity()));
        n.put("resolution", m.resolution().label()).put("since", Json.time(m.since()));
        ObjectNode history = n.putObject("history");
        m.history().forEach((agent, points) -> {
            ArrayNode a = history.putArray(agent);
            points.forEach(p -> a.add(point(p)));
        });
        return n;
    }

    public static SessionMetrics sessionFrom(JsonNode n) {
        Map<String, List<MetricPoint>> history = new LinkedHashMap<>();
        n.path("history").fields().forEachRemaining(e -> {
            List<MetricPoint> points = new ArrayList<>();
            e.getValue().forEach(p -> points.add(pointFrom(p)));
            history.put(e.getKey(), points);
        });
        return new SessionMetrics(n.path("id").asText(), n.path("name").asText(), n.path("context").asText(),
                SessionState.valueOf(n.path("state").asText()), time(n.get("created_at")), n.path("age_seconds").asLong(),
                n.path("running_seconds").asLong(), currentFrom(n.path("current")), activityFrom(n.path("activity")),
                Resolution.parse(n.path("resolution").asText()), time(n.get("since")), history);
    }

    public static ObjectNode current(Current c) {
        ObjectNode n = Json.object().put("sampled_at", c.at() == null ? null : Json.time(c.at()))
                .put("cpu_cores", c.cpu()).put("memory_bytes", c.memory())
                .put("workspace_bytes", c.workspaceBytes()).put("workspace_files", c.workspaceFiles())
                .put("unavailable", c.unavailable());
        ArrayNode agents = n.putArray("agents");
        c.agents().forEach(a -> agents.add(Json.object().put("agent", a.agent()).put("cpu_cores", a.cpu())
                .put("memory_bytes", a.memory()).put("unavailable", a.unavailable())));
        return n;
    }

    public static Current currentFrom(JsonNode n) {
        List<Current.AgentNow> agents = new ArrayList<>();
        n.path("agents").forEach(a -> agents.add(new Current.AgentNow(a.path("agent").asText(), dbl(a.get("cpu_cores")),
                lng(a.get("memory_bytes")), text(a.get("unavailable")))));
        return new Current(time(n.get("sampled_at")), dbl(n.get("cpu_cores")), lng(n.get("memory_bytes")),
                lng(n.get("workspace_bytes")), lng(n.get("workspace_files")), agents, text(n.get("unavailable")));
    }

    public static ObjectNode activity(Activity a) {
        return Json.object().put("messages", a.messages()).put("errors", a.errors())
                .put("latency_p50_ms", a.latencyP50Millis()).put("latency_p95_ms", a.latencyP95Millis())
                .put("first_event_p50_ms", a.firstEventP50Millis()).put("first_event_p95_ms", a.firstEventP95Millis())
                .put("input_tokens", a.inputTokens()).put("output_tokens", a.outputTokens());
    }

    public static Activity activityFrom(JsonNode n) {
        return new Activity(n.path("messages").asInt(), n.path("errors").asInt(), lng(n.get("latency_p50_ms")),
                lng(n.get("latency_p95_ms")), lng(n.get("first_event_p50_ms")), lng(n.get("first_event_p95_ms")),
                lng(n.get("input_tokens")), lng(n.get("output_tokens")));
    }

    public static ObjectNode point(MetricPoint p) {
        return Json.object().put("at", Json.time(p.at())).put("samples", p.samples()).put("cpu_cores", p.cpu())
                .put("cpu_cores_max", p.cpuMax()).put("memory_bytes", p.memory()).put("memory_bytes_max", p.memoryMax())
                .put("workspace_bytes", p.workspaceBytes()).put("workspace_files", p.workspaceFiles());
    }

    public static MetricPoint pointFrom(JsonNode n) {
        return new MetricPoint(time(n.get("at")), n.path("samples").asInt(), dbl(n.get("cpu_cores")),
                dbl(n.get("cpu_cores_max")), lng(n.get("memory_bytes")), lng(n.get("memory_bytes_max")),
                lng(n.get("workspace_bytes")), lng(n.get("workspace_files")));
    }

    private static Instant time(JsonNode n) {
        return n == null || n.isNull() ? null : Instant.parse(n.asText());
    }

    private static Double dbl(JsonNode n) {
        return n == null || n.isNull() ? null : n.asDouble();
    }

    private static Long lng(JsonNode n) {
        return n == null || n.isNull() ? null : n.asLong();
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
