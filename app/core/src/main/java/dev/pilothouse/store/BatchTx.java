package dev.pilothouse.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchCounts;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.json.Json;
import org.jdbi.v3.core.Handle;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The batch tables (migration V13) on one transaction's connection: {@link StoreTx#batches()}.
 * {@link #claim} is the one place rows start: inside a write (which runs alone), it counts the
 * batch's RUNNING rows and moves at most {@code parallel} minus that many QUEUED rows to RUNNING.
 */
public final class BatchTx {
    private final Handle h;

    BatchTx(Handle h) {
        this.h = h;
    }

    public void insert(Batch b, List<String> inputs) {
        h.createUpdate("INSERT INTO batches (id, stages, parallel, retries, collect_path, context, namespace, status, "
                        + "created_by, created_at, updated_at) VALUES (:id, :stages, :p, :r, :c, :ctx, :ns, :st, :by, :at, :at)")
                .bind("id", b.id()).bind("stages", stagesJson(b.stages())).bind("p", b.parallel()).bind("r", b.retries())
                .bind("c", b.collect()).bind("ctx", b.context()).bind("ns", b.namespace()).bind("st", b.status().name())
                .bind("by", b.createdBy()).bind("at", StoreTx.odt(b.createdAt())).execute();
        var batch = h.prepareBatch("INSERT INTO batch_rows (batch_id, idx, input, status, stage, tries, attempts, failures, "
                + "interruptions, stages_done, updated_at) VALUES (:b, :i, :input, 'QUEUED', 0, 0, 0, 0, 0, '[]', :at)");
        for (int i = 0; i < inputs.size(); i++) {
            batch.bind("b", b.id()).bind("i", i + 1).bind("input", inputs.get(i)).bind("at", StoreTx.odt(b.createdAt())).add();
        }
        batch.execute();
    }

    public Optional<Batch> find(String id) {
        return h.createQuery("SELECT * FROM batches WHERE id = :id").bind("id", id).map((rs, ctx) -> batch(rs)).findOne();
    }

    /** Every batch, newest first. */
    public List<Batch> list() {
        return h.createQuery("SELECT * FROM batches ORDER BY created_at DESC, id").map((rs, ctx) -> batch(rs)).list();
    }

    /** Batches with rows still to run or running. */
    public List<Batch> running() {
        return h.createQuery("SELECT * FROM batches WHERE status = 'RUNNING' ORDER BY created_at, id")
                .map((rs, ctx) -> batch(rs)).list();
    }

    public void setStatus(String id, Batch.Status status, Instant at) {
        h.createUpdate("UPDATE batches SET status = :s, updated_at = :at, finished_at = :f WHERE id = :id")
                .bind("s", status.name()).bind("at", StoreTx.odt(at))
                .bind("f", status == Batch.Status.DONE ? StoreTx.odt(at) : null).bind("id", id).execute();
    }

    /** Each batch's rows counted by status. */
    public Map<String, BatchCounts> counts() {
        Map<String, BatchCounts> out = new LinkedHashMap<>();
        for (Object[] c : h.createQuery("SELECT batch_id, status, COUNT(*) n FROM batch_rows GROUP BY batch_id, status")
                .map((rs, ctx) -> new Object[]{rs.getString("batch_id"), rs.getString("status"), rs.getInt("n")}).list()) {
            out.merge((String) c[0], BatchCounts.NONE.plus(BatchRow.Status.valueOf((String) c[1]), (Integer) c[2]),
                    BatchTx::sum);
        }
        return out;
    }

    public BatchCounts counts(String id) {
        BatchCounts c = BatchCounts.NONE;
        for (var e : h.createQuery("SELECT status, COUNT(*) n FROM batch_rows WHERE batch_id = :b GROUP BY status")
                .bind("b", id).map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getInt("n"))).list()) {
            c = c.plus(BatchRow.Status.valueOf(e.getKey()), e.getValue());
        }
        return c;
    }

    private static BatchCounts sum(BatchCounts a, BatchCounts b) {
        return new BatchCounts(a.queued() + b.queued(), a.running() + b.running(), a.done() + b.done(),
                a.failed() + b.failed(), a.cancelled() + b.cancelled());
    }

    /** A batch's rows in input order. */
    public List<BatchRow> rows(String id) {
        return h.createQuery("SELECT * FROM batch_rows WHERE batch_id = :b ORDER BY idx").bind("b", id)
                .map((rs, ctx) -> row(rs)).list();
    }

    public Optional<BatchRow> row(String id, int index) {
        return h.createQuery("SELECT * FROM batch_rows WHERE batch_id = :b AND idx = :i").bind("b", id).bind("i", index)
                .map((rs, ctx) -> row(rs)).findOne();
    }

    /** Rows of every batch in {@code status}. */
    public List<BatchRow> rowsIn(BatchRow.Status status) {
        return h.createQuery("SELECT * FROM batch_rows WHERE status = :s ORDER BY batch_id, idx").bind("s", status.name())
                .map((rs, ctx) -> row(rs)).list();
    }

    /**
     * Starts rows of a RUNNING batch while fewer than {@code parallel} run: QUEUED rows become
     * RUNNING (later stages first, so rows already under way finish first; then input order), each
     * with one more try. Returns the rows started.
     */
    public List<BatchRow> claim(String id, int parallel, Instant at) {
        int running = h.createQuery("SELECT COUNT(*) FROM batch_rows WHERE batch_id = :b AND status = 'RUNNING'")
                .bind("b", id).mapTo(Integer.class).one();
        int free = parallel - running;
        if (free <= 0) {
            return List.of();
        }
        List<BatchRow> next = h.createQuery("SELECT * FROM batch_rows WHERE batch_id = :b AND status = 'QUEUED' "
                + "ORDER BY stage DESC, idx LIMIT :n").bind("b", id).bind("n", free).map((rs, ctx) -> row(rs)).list();
        List<BatchRow> claimed = new ArrayList<>();
        for (BatchRow r : next) {
            BatchRow c = r.toBuilder().status(BatchRow.Status.RUNNING).tries(r.tries() + 1).sessionId(null)
                    .startedAt(r.startedAt() == null ? at : r.startedAt()).build(at);
            save(c);
            claimed.add(c);
        }
        return claimed;
    }

    /** Writes a row's changed fields. */
    public void save(BatchRow r) {
        h.createUpdate("UPDATE batch_rows SET status = :st, stage = :stage, tries = :tries, attempts = :att, "
                        + "failures = :f, interruptions = :intr, session_id = :sid, stages_done = :sd, result = :res, "
                        + "error = :err, started_at = :sa, finished_at = :fa, updated_at = :ua WHERE batch_id = :b AND idx = :i")
                .bind("st", r.status().name()).bind("stage", r.stage()).bind("tries", r.tries()).bind("att", r.attempts())
                .bind("f", r.failures()).bind("intr", r.interruptions()).bind("sid", r.sessionId())
                .bind("sd", r.stagesDone()).bind("res", r.result()).bind("err", r.error())
                .bind("sa", StoreTx.odt(r.startedAt())).bind("fa", StoreTx.odt(r.finishedAt()))
                .bind("ua", StoreTx.odt(r.updatedAt())).bind("b", r.batchId()).bind("i", r.index()).execute();
    }

    /** Moves a batch's rows in {@code from} to {@code to}; returns how many. */
    public int move(String id, BatchRow.Status from, BatchRow.Status to, Instant at) {
        return h.createUpdate("UPDATE batch_rows SET status = :to, updated_at = :at WHERE batch_id = :b AND status = :from")
                .bind("to", to.name()).bind("at", StoreTx.odt(at)).bind("b", id).bind("from", from.name()).execute();
    }

    private static String stagesJson(List<Batch.Stage> stages) {
        var arr = Json.MAPPER.createArrayNode();
        stages.forEach(s -> arr.addObject().put("template", s.template()).put("version", s.version()));
        return Json.compact(arr);
    }

    private static Batch batch(ResultSet rs) throws SQLException {
        List<Batch.Stage> stages = new ArrayList<>();
        try {
            Json.MAPPER.readTree(rs.getString("stages"))
                    .forEach(n -> stages.add(new Batch.Stage(n.get("template").asText(), n.get("version").asInt())));
        } catch (JsonProcessingException e) {
            throw new SQLException("batch " + rs.getString("id") + " has unreadable stages: " + e.getMessage(), e);
        }
        return new Batch(rs.getString("id"), List.copyOf(stages), rs.getInt("parallel"), rs.getInt("retries"),
                rs.getString("collect_path"), rs.getString("context"), rs.getString("namespace"),
                Batch.Status.valueOf(rs.getString("status")), rs.getString("created_by"), StoreTx.instant(rs, "created_at"),
                StoreTx.instant(rs, "updated_at"), StoreTx.instant(rs, "finished_at"));
    }

    private static BatchRow row(ResultSet rs) throws SQLException {
        return new BatchRow(rs.getString("batch_id"), rs.getInt("idx"), rs.getString("input"),
                BatchRow.Status.valueOf(rs.getString("status")), rs.getInt("stage"), rs.getInt("tries"),
                rs.getInt("attempts"), rs.getInt("failures"), rs.getInt("interruptions"), rs.getString("session_id"),
                rs.getString("stages_done"), rs.getString("result"), rs.getString("error"),
                StoreTx.instant(rs, "started_at"), StoreTx.instant(rs, "finished_at"), StoreTx.instant(rs, "updated_at"));
    }
}
