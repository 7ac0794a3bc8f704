package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchJson;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;

/**
 * {@code /api/v0/batches}: batches and pipelines (docs/batches.md). POST submits one (checked whole
 * first: nothing is stored when a row is wrong) and answers at once; the engine runs it, and GET
 * follows it.
 */
final class BatchesApi {
    static final List<String> CREATE_FIELDS = List.of("template", "template_version", "inputs", "parallel", "retries",
            "collect", "then");

    private BatchesApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/batches", BatchesApi::list);
        r.post("/api/v0/batches", BatchesApi::create);
        r.get("/api/v0/batches/{id}", ctx -> {
            Engine e = Auth.engine(ctx);
            String id = ctx.pathParam("id");
            BatchSummary s = e.batch(id);
            ctx.json(BatchJson.withRows(s, e.batchRows(id)));
        });
        r.post("/api/v0/batches/{id}/cancel", ctx -> ctx.json(BatchJson.summary(Auth.engine(ctx).cancelBatch(ctx.pathParam("id")))));
        r.post("/api/v0/batches/{id}/resume", ctx -> ctx.json(BatchJson.summary(Auth.engine(ctx).resumeBatch(ctx.pathParam("id")))));
    }

    /** A whole number as an int; one out of int's range stays out of every accepted range. */
    private static int clamp(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    private static void list(Context ctx) {
        ArrayNode items = Json.MAPPER.createArrayNode();
        Auth.engine(ctx).batches().forEach(s -> items.add(BatchJson.summary(s)));
        ObjectNode out = Json.object();
        out.set("items", items);
        ctx.json(out);
    }

    private static void create(Context ctx) {
        Engine e = Auth.engine(ctx);
        RequestBody b = RequestBody.of(ctx, CREATE_FIELDS);
        String template = b.text("template");
        if (template == null) {
            throw ApiException.badRequest("'template' is required: the name of a stored template (GET /api/v0/templates)",
                    "template");
        }
        Long version = b.whole("template_version");
        Long parallel = b.whole("parallel");
        Long retries = b.whole("retries");
        List<BatchInputs.Row> rows = BatchInputs.fromJson("inputs", b.node().get("inputs"));
        List<String> then = b.strings("then");
        BatchSummary s = e.submitBatch(new BatchRequest(template, version == null ? null : clamp(version), rows,
                parallel == null ? 4 : clamp(parallel), retries == null ? 0 : clamp(retries), b.text("collect"),
                then == null ? List.of() : then));
        ctx.status(201).header("Location", "/api/v0/batches/" + s.batch().id()).json(BatchJson.summary(s));
    }
}
