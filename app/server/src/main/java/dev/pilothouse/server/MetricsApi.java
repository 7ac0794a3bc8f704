package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.metrics.MetricsJson;
import dev.pilothouse.session.Validation;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.time.Duration;

/**
 * Per-session metrics (docs/metrics.md): {@code GET /api/v0/metrics}, every session's latest reading
 * as {@code sessions top} shows it; {@code GET /api/v0/metrics/readings}, only the latest readings;
 * and {@code GET /api/v0/sessions/{id}/metrics?since=1h}, one
 * session's reading, history and activity.
 */
final class MetricsApi {
    static final String DEFAULT_SPAN = "1h";

    private MetricsApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/metrics", MetricsApi::top);
        r.get("/api/v0/metrics/readings", MetricsApi::readings);
        r.get("/api/v0/sessions/{id}/metrics", MetricsApi::session);
    }

    private static void top(Context ctx) {
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("items");
        SessionsApi.scoped(ctx).top().forEach(row -> items.add(MetricsJson.top(row)));
        ctx.json(n);
    }

    /** The latest readings only: what a console polls every 5 s, without every session's activity. */
    private static void readings(Context ctx) {
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("items");
        SessionsApi.scoped(ctx).readings().forEach((id, c) -> {
            ObjectNode item = items.addObject();
            item.put("session_id", id);
            item.set("current", MetricsJson.current(c));
        });
        ctx.json(n);
    }

    private static void session(Context ctx) {
        Duration span = span(ctx.queryParam("since"));
        ctx.json(MetricsJson.session(SessionsApi.scoped(ctx).metrics(ctx.pathParam("id"), span)));
    }

    /** How far back the history goes: seconds or numbers with units (1h, 30m, 7d). */
    static Duration span(String text) {
        try {
            return Duration.ofSeconds(Validation.duration("since", text == null ? DEFAULT_SPAN : text));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.getMessage(), "since");
        }
    }
}
