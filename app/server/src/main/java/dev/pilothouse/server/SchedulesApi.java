package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.Schedule;
import dev.pilothouse.schedule.ScheduleJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v0/schedules}: recurring schedules, a session from a template each time a cron
 * expression fires (docs/schedules.md). PUT takes {@code {"paused": true|false}}.
 */
final class SchedulesApi {
    static final List<String> CREATE_FIELDS = List.of("name", "template", "template_version", "parameters", "cron",
            "timezone");

    private SchedulesApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/schedules", SchedulesApi::list);
        r.post("/api/v0/schedules", SchedulesApi::create);
        r.get("/api/v0/schedules/{name}", ctx -> ctx.json(ScheduleJson.toJson(Auth.engine(ctx).schedule(ctx.pathParam("name")))));
        r.put("/api/v0/schedules/{name}", SchedulesApi::update);
        r.delete("/api/v0/schedules/{name}", ctx ->
                ctx.json(ScheduleJson.toJson(Auth.engine(ctx).deleteSchedule(ctx.pathParam("name")))));
    }

    private static void list(Context ctx) {
        ArrayNode items = Json.MAPPER.createArrayNode();
        Auth.engine(ctx).schedules().forEach(s -> items.add(ScheduleJson.toJson(s)));
        ObjectNode out = Json.object();
        out.set("items", items);
        ctx.json(out);
    }

    private static void create(Context ctx) {
        Engine e = Auth.engine(ctx);
        RequestBody b = RequestBody.of(ctx, CREATE_FIELDS);
        Map<String, String> params = new LinkedHashMap<>();
        if (b.has("parameters")) {
            Json.parse(b.object("parameters")).fields().forEachRemaining(f -> {
                JsonNode v = f.getValue();
                if (!v.isValueNode() || v.isNull()) {
                    throw ApiException.badRequest("parameter '" + f.getKey() + "' must be a single value (text, number "
                            + "or true/false)", "parameters");
                }
                params.put(f.getKey(), v.asText());
            });
        }
        if (b.text("name") == null) {
            throw ApiException.badRequest("field 'name' is required: the schedule's name", "name");
        }
        Long version = b.whole("template_version");
        Schedule s = e.createSchedule(b.text("name"), b.text("template"), version == null ? null : Math.toIntExact(version),
                params, b.text("cron"), b.text("timezone"));
        ctx.status(201).header("Location", "/api/v0/schedules/" + s.name()).json(ScheduleJson.toJson(s));
    }

    private static void update(Context ctx) {
        Engine e = Auth.engine(ctx);
        RequestBody b = RequestBody.of(ctx, List.of("paused"));
        if (!b.has("paused")) {
            throw ApiException.badRequest("field 'paused' is required: true pauses the schedule, false resumes it", "paused");
        }
        String name = ctx.pathParam("name");
        Schedule s = b.bool("paused", false) ? e.pauseSchedule(name) : e.resumeSchedule(name);
        ctx.json(ScheduleJson.toJson(s));
    }
}
