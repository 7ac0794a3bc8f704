package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;

/** {@code /api/v0/agents}: the agent definitions sessions are made of. */
final class AgentsApi {
    private static final List<String> FIELDS;

    static {
        List<String> f = new ArrayList<>(AgentJson.INPUT_FIELDS);
        f.addAll(AgentJson.READ_ONLY_FIELDS);
        FIELDS = List.copyOf(f);
    }

    private AgentsApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/agents", AgentsApi::list);
        r.post("/api/v0/agents", AgentsApi::create);
        r.get("/api/v0/agents/{name}", ctx -> ctx.json(AgentJson.toJson(Auth.engine(ctx).agent(ctx.pathParam("name")))));
        r.put("/api/v0/agents/{name}", AgentsApi::update);
        r.delete("/api/v0/agents/{name}", ctx -> ctx.json(AgentJson.toJson(Auth.engine(ctx).deleteAgent(ctx.pathParam("name")))));
    }

    private static void list(Context ctx) {
        boolean deleted = Query.bool(ctx, "deleted", false);
        ArrayNode items = Json.MAPPER.createArrayNode();
        Auth.engine(ctx).agents(deleted).forEach(a -> items.add(AgentJson.toJson(a)));
        ObjectNode out = Json.object();
        out.set("items", items);
        ctx.json(out);
    }

    private static void create(Context ctx) {
        RequestBody body = RequestBody.of(ctx, FIELDS);
        if (!body.has("name")) {
            throw ApiException.badRequest("field 'name' is required: the agent's name", "name");
        }
        AgentDefinition created = Auth.engine(ctx).createAgent(AgentJson.fromInput(body.node(), "", true));
        ctx.status(201).header("Location", "/api/v0/agents/" + created.name()).json(AgentJson.toJson(created));
    }

    /** PUT replaces the definition; its name comes from the path (a body naming another is refused). */
    private static void update(Context ctx) {
        String name = ctx.pathParam("name");
        RequestBody body = RequestBody.of(ctx, FIELDS);
        String named = body.text("name");
        if (named != null && !named.equals(name)) {
            throw ApiException.badRequest("the body names agent '" + named + "' but the path names '" + name
                    + "'; an agent cannot be renamed: create one with the new name", "name");
        }
        body.node().put("name", name);
        Engine e = Auth.engine(ctx);
        ctx.json(AgentJson.toJson(e.updateAgent(name, AgentJson.fromInput(body.node(), "", true))));
    }
}
