package dev.pilothouse.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.util.List;

/**
 * A batch's results as JSON lines, one a row in input order, from the store: what {@code --out}
 * holds and {@code batch show --results} prints. Written from the store at the end, so a batch that
 * survived a crash still has exactly one line per row.
 */
public final class BatchResults {
    private BatchResults() {
    }

    /** One row's line: input, status, session, result or error, attempts, stages. */
    public static ObjectNode line(BatchRow r) {
        ObjectNode n = Json.object().put("row", r.index());
        n.set("input", Json.parse(r.input()));
        n.put("status", r.status().label());
        n.put("session_id", r.sessionId());
        if (r.status() == BatchRow.Status.DONE) {
            n.put("result", r.result());
        } else if (r.error() != null) {
            n.put("error", r.error());
        }
        n.put("attempts", r.attempts());
        JsonNode stages = Json.parse(r.stagesDone());
        n.set("stages", stages);
        return n;
    }

    /** Every row's line, each ending in a newline. */
    public static String jsonLines(List<BatchRow> rows) {
        StringBuilder b = new StringBuilder();
        rows.forEach(r -> b.append(Json.compact(line(r))).append('\n'));
        return b.toString();
    }
}
