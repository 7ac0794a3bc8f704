package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.ConnectionStatus;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * {@code GET /api/v0/contexts}: where sessions can run (local, kubeconfig contexts, in-cluster),
 * the default a request naming none uses, and each context's connection as last checked.
 */
final class ContextsApi {
    private ContextsApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/contexts", ContextsApi::list);
    }

    private static void list(Context ctx) {
        Engine e = Auth.engine(ctx);
        ArrayNode items = Json.MAPPER.createArrayNode();
        for (Engine.ContextInfo c : e.contextDetails()) {
            ObjectNode n = items.addObject().put("name", c.name())
                    .put("namespace", c.name().equals(e.context()) ? e.namespace() : c.namespace())
                    .put("cluster", c.cluster()).put("default", c.name().equals(e.context()));
            n.set("connection", connection(e.connection(c.name())));
        }
        ObjectNode out = Json.object();
        out.set("items", items);
        out.put("default", e.context());
        out.put("kubeconfig_problem", e.kubeconfigProblem());
        ctx.json(out);
    }

    static ObjectNode connection(ConnectionStatus s) {
        ObjectNode n = Json.object().put("state", s.state().name()).put("reason", s.reason())
                .put("checked_at", Json.time(s.checkedAt()));
        n.set("missing", Json.MAPPER.valueToTree(s.missing()));
        return n;
    }
}
