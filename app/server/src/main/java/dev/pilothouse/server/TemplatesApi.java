package dev.pilothouse.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.StoredTemplate;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;

/**
 * {@code /api/v0/templates}: session templates (docs/templates.md). POST takes the document as
 * YAML ({@code application/yaml}) or JSON; GET one gives it back with its YAML as applied
 * ({@code ?version=N} for an older version).
 */
final class TemplatesApi {
    private TemplatesApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/templates", TemplatesApi::list);
        r.post("/api/v0/templates", TemplatesApi::apply);
        r.get("/api/v0/templates/{name}", ctx -> {
            Long v = Query.whole(ctx, "version", 1, Integer.MAX_VALUE);
            ctx.json(json(Auth.engine(ctx).template(ctx.pathParam("name"), v == null ? null : Math.toIntExact(v))));
        });
        r.delete("/api/v0/templates/{name}", ctx -> ctx.json(json(Auth.engine(ctx).deleteTemplate(ctx.pathParam("name")))));
        r.get("/api/v0/sessions/{id}/template", TemplatesApi::ofSession);
    }

    static ObjectNode json(StoredTemplate t) {
        SessionTemplate parsed = t.template();
        ObjectNode n = Json.object().put("name", t.name()).put("version", t.version())
                .put("created_by", t.createdBy()).put("created_at", Json.time(t.createdAt()))
                .put("updated_at", Json.time(t.updatedAt()));
        ArrayNode agents = n.putArray("agents");
        parsed.agents().forEach(a -> {
            ObjectNode o = agents.addObject().put("name", a.name());
            ObjectNode c = o.putObject("config");
            a.config().forEach(c::put);
        });
        ArrayNode params = n.putArray("parameters");
        parsed.parameters().forEach(p -> params.addObject().put("name", p.name()).put("default", p.defaultValue())
                .put("description", p.description()));
        n.put("yaml", t.yaml());
        return n;
    }

    private static void list(Context ctx) {
        ArrayNode items = Json.MAPPER.createArrayNode();
        Auth.engine(ctx).templates().forEach(t -> items.add(json(t)));
        ObjectNode out = Json.object();
        out.set("items", items);
        ctx.json(out);
    }

    /** "Save as template", first half: the session as a template document, to be looked at and then POSTed. */
    private static void ofSession(Context ctx) {
        Engine e = SessionsApi.scoped(ctx);
        e.session(ctx.pathParam("id")); // an unknown session is a 404 before anything about the name
        String name = ctx.queryParam("name");
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("query parameter 'name' is required: the template's name (lower case, digits, "
                    + "'-', at most 63)", "name");
        }
        ctx.json(Json.object().put("name", name.strip())
                .put("yaml", e.templateOf(ctx.pathParam("id"), name)));
    }

    private static void apply(Context ctx) {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(java.util.Locale.ROOT);
        String media = type.split(";", 2)[0].strip();
        boolean json = !type.isEmpty() && RequestBody.isJson(type);
        if (!type.isEmpty() && !json && !List.of("application/yaml", "application/x-yaml", "text/yaml").contains(media)) {
            throw new ApiException(415, "unsupported_media_type", "the body is sent as '" + type + "'; send the template "
                    + "as YAML (Content-Type: application/yaml) or JSON (application/json)", null);
        }
        RequestBody.refuseDeclaredOverLimit(ctx);
        String text = ctx.body();
        if (json) {
            // kept as YAML, the form the CLI exports; the JSON is checked by the same reader
            try {
                text = Json.YAML.writeValueAsString(Json.readOne(Json.MAPPER, text));
            } catch (JsonProcessingException e) {
                throw ApiException.badRequest("the body is not valid JSON: " + Json.problem(e), null);
            }
        }
        Engine.AppliedTemplate a = Auth.engine(ctx).applyTemplate(text);
        ObjectNode n = json(a.stored());
        ArrayNode missing = n.putArray("missing_agents");
        a.missingAgents().forEach(missing::add);
        if (!a.missingAgents().isEmpty()) {
            n.put("warning", "agents not defined: " + String.join(", ", a.missingAgents()) + "; sessions cannot be "
                    + "created from this template until they are (POST /api/v0/agents)");
        }
        ctx.status(201).header("Location", "/api/v0/templates/" + a.stored().name()).json(n);
    }
}
