package dev.pilothouse.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A batch as JSON, the same for {@code batch show -o json} and {@code GET /api/v0/batches/{id}}. */
public final class BatchJson {
    private BatchJson() {
    }

    public static ObjectNode summary(BatchSummary s) {
        Batch b = s.batch();
        ObjectNode n = Json.object().put("id", b.id()).put("status", b.status().name().toLowerCase(Locale.ROOT));
        ArrayNode stages = n.putArray("stages");
        b.stages().forEach(st -> stages.addObject().put("template", st.template()).put("version", st.version()));
        n.put("parallel", b.parallel()).put("retries", b.retries()).put("collect", b.collect())
                .put("context", b.context()).put("namespace", b.namespace()).put("created_by", b.createdBy())
                .put("created_at", Json.time(b.createdAt())).put("updated_at", Json.time(b.updatedAt()))
                .put("finished_at", b.finishedAt() == null ? null : Json.time(b.finishedAt()));
        BatchCounts c = s.counts();
        n.put("total", c.total());
        n.putObject("counts").put("queued", c.queued()).put("running", c.running()).put("done", c.done())
                .put("failed", c.failed()).put("cancelled", c.cancelled());
        return n;
    }

    /** The summary with every row's result line under {@code rows}. */
    public static ObjectNode withRows(BatchSummary s, List<BatchRow> rows) {
        ObjectNode n = summary(s);
        ArrayNode arr = n.putArray("rows");
        rows.forEach(r -> arr.add(BatchResults.line(r)));
        return n;
    }

    /** A summary read back from {@link #summary}: what a client of the REST API shows. */
    public static BatchSummary summaryFrom(JsonNode n) {
        List<Batch.Stage> stages = new ArrayList<>();
        n.path("stages").forEach(st -> stages.add(new Batch.Stage(st.path("template").asText(), st.path("version").asInt())));
        Batch b = new Batch(n.path("id").asText(), stages, n.path("parallel").asInt(), n.path("retries").asInt(),
                text(n, "collect"), text(n, "context"), text(n, "namespace"),
                Batch.Status.valueOf(n.path("status").asText().toUpperCase(Locale.ROOT)), text(n, "created_by"),
                instant(n, "created_at"), instant(n, "updated_at"), instant(n, "finished_at"));
        JsonNode c = n.path("counts");
        return new BatchSummary(b, new BatchCounts(c.path("queued").asInt(), c.path("running").asInt(),
                c.path("done").asInt(), c.path("failed").asInt(), c.path("cancelled").asInt()));
    }

    /**
     * A row read back from its result line ({@link BatchResults#line}): what the line holds; the stage
     * of an unfinished row is the one after the stages it finished.
     */
    public static BatchRow rowFrom(String batchId, JsonNode line) {
        BatchRow.Status status = BatchRow.Status.valueOf(line.path("status").asText().toUpperCase(Locale.ROOT));
        JsonNode stages = line.path("stages");
        int attempts = line.path("attempts").asInt();
        return new BatchRow(batchId, line.path("row").asInt(), Json.compact(line.path("input")), status,
                status == BatchRow.Status.DONE ? Math.max(0, stages.size() - 1) : stages.size(), attempts, attempts, 0, 0,
                text(line, "session_id"), Json.compact(stages), text(line, "result"), text(line, "error"), null, null, null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        String t = text(n, field);
        return t == null ? null : Instant.parse(t);
    }
}
