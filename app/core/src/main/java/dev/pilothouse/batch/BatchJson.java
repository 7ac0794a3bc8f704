package dev.pilothouse.batch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.util.List;

/** A batch as JSON, the same for {@code batch show -o json} and {@code GET /api/v0/batches/{id}}. */
public final class BatchJson {
    private BatchJson() {
    }

    public static ObjectNode summary(BatchSummary s) {
        Batch b = s.batch();
        ObjectNode n = Json.object().put("id", b.id()).put("status", b.status().name().toLowerCase(java.util.Locale.ROOT));
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
}
