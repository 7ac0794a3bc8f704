package dev.pilothouse.store;

import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.Sample;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code session_metrics} table (migration V15), within one transaction of {@link StoreTx}: samples
 * folded into buckets of every {@link Resolution} as they come, so history is downsampled on write
 * and a reader never aggregates raw samples.
 */
public final class MetricRows {
    /** Folds one sample into its bucket: counts, sums and peaks grow; the volume's size is the latest. */
    private static final String FOLD = """
            MERGE INTO session_metrics t
            USING (VALUES (CAST(:s AS VARCHAR), CAST(:a AS VARCHAR), CAST(:w AS INT), CAST(:b AS BIGINT),
                           CAST(:cpu AS DOUBLE), CAST(:mem AS BIGINT), CAST(:wsb AS BIGINT), CAST(:wsf AS BIGINT)))
                AS x(session_id, agent, width_s, bucket_ms, cpu, mem, wsb, wsf)
            ON t.session_id = x.session_id AND t.agent = x.agent AND t.width_s = x.width_s AND t.bucket_ms = x.bucket_ms
            WHEN MATCHED THEN UPDATE SET
                samples = t.samples + 1,
                cpu_samples = t.cpu_samples + CASE WHEN x.cpu IS NULL THEN 0 ELSE 1 END,
                cpu_sum = CASE WHEN x.cpu IS NULL THEN t.cpu_sum ELSE COALESCE(t.cpu_sum, 0) + x.cpu END,
                cpu_max = CASE WHEN x.cpu IS NULL THEN t.cpu_max ELSE GREATEST(COALESCE(t.cpu_max, x.cpu), x.cpu) END,
                mem_samples = t.mem_samples + CASE WHEN x.mem IS NULL THEN 0 ELSE 1 END,
                mem_sum = CASE WHEN x.mem IS NULL THEN t.mem_sum ELSE COALESCE(t.mem_sum, 0) + x.mem END,
                mem_max = CASE WHEN x.mem IS NULL THEN t.mem_max ELSE GREATEST(COALESCE(t.mem_max, x.mem), x.mem) END,
                workspace_bytes = COALESCE(x.wsb, t.workspace_bytes),
                workspace_files = COALESCE(x.wsf, t.workspace_files)
            WHEN NOT MATCHED THEN INSERT (session_id, agent, width_s, bucket_ms, samples, cpu_samples, cpu_sum, cpu_max,
                                          mem_samples, mem_sum, mem_max, workspace_bytes, workspace_files)
                VALUES (x.session_id, x.agent, x.width_s, x.bucket_ms, 1, CASE WHEN x.cpu IS NULL THEN 0 ELSE 1 END,
                        x.cpu, x.cpu, CASE WHEN x.mem IS NULL THEN 0 ELSE 1 END, x.mem, x.mem, x.wsb, x.wsf)
            """;

    private final Handle h;

    MetricRows(Handle h) {
        this.h = h;
    }

    /** Folds samples into every resolution's buckets. */
    public void fold(Collection<Sample> samples) {
        if (samples.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch(FOLD);
        for (Sample s : samples) {
            for (Resolution r : Resolution.values()) {
                b.bind("s", s.sessionId()).bind("a", s.agent()).bind("w", r.seconds())
                        .bind("b", r.bucket(s.at().toEpochMilli())).bind("cpu", s.cpuCores())
                        .bind("mem", s.memoryBytes()).bind("wsb", s.workspaceBytes()).bind("wsf", s.workspaceFiles())
                        .add();
            }
        }
        b.execute();
    }

    /** Drops buckets older than their resolution keeps them (as of {@code now}); returns how many. */
    public int prune(Instant now) {
        int n = 0;
        for (Resolution r : Resolution.values()) {
            n += h.createUpdate("DELETE FROM session_metrics WHERE width_s = :w AND bucket_ms < :c")
                    .bind("w", r.seconds()).bind("c", r.bucket(now.minus(r.kept()).toEpochMilli())).execute();
        }
        return n;
    }

    /** Drops a session's history (it was purged). */
    public int delete(String sessionId) {
        return h.createUpdate("DELETE FROM session_metrics WHERE session_id = :s").bind("s", sessionId).execute();
    }

    /**
     * A session's history at {@code r} from {@code since}, per agent ({@link Sample#SESSION} for the
     * whole session), oldest first; the volume's size carried forward from before {@code since}.
     */
    public Map<String, List<MetricPoint>> series(String sessionId, Resolution r, Instant since) {
        Map<String, List<MetricPoint>> out = new LinkedHashMap<>();
        Map<String, long[]> lastSize = new LinkedHashMap<>();
        h.createQuery("SELECT agent, workspace_bytes, workspace_files FROM session_metrics WHERE session_id = :s "
                        + "AND width_s = :w AND bucket_ms < :since AND workspace_bytes IS NOT NULL ORDER BY bucket_ms")
                .bind("s", sessionId).bind("w", r.seconds()).bind("since", r.bucket(since.toEpochMilli()))
                .map((rs, ctx) -> { lastSize.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)}); return 0; })
                .list();
        h.createQuery("SELECT * FROM session_metrics WHERE session_id = :s AND width_s = :w AND bucket_ms >= :since "
                        + "ORDER BY agent, bucket_ms")
                .bind("s", sessionId).bind("w", r.seconds()).bind("since", r.bucket(since.toEpochMilli()))
                .map((rs, ctx) -> {
                    String agent = rs.getString("agent");
                    long[] size = lastSize.get(agent);
                    Long wsb = (Long) rs.getObject("workspace_bytes", Long.class);
                    Long wsf = (Long) rs.getObject("workspace_files", Long.class);
                    if (wsb != null) {
                        lastSize.put(agent, new long[] {wsb, wsf == null ? 0 : wsf});
                    } else if (size != null) {
                        wsb = size[0];
                        wsf = size[1];
                    }
                    out.computeIfAbsent(agent, a -> new ArrayList<>()).add(point(rs, wsb, wsf));
                    return 0;
                }).list();
        return out;
    }

    /** Rows held for a session (tests and the bounds check). */
    public long count(String sessionId) {
        return h.createQuery("SELECT COUNT(*) FROM session_metrics WHERE session_id = :s").bind("s", sessionId)
                .mapTo(Long.class).one();
    }

    private static MetricPoint point(ResultSet rs, Long wsb, Long wsf) throws SQLException {
        int cpuN = rs.getInt("cpu_samples");
        int memN = rs.getInt("mem_samples");
        return new MetricPoint(Instant.ofEpochMilli(rs.getLong("bucket_ms")), rs.getInt("samples"),
                cpuN == 0 ? null : rs.getDouble("cpu_sum") / cpuN,
                cpuN == 0 ? null : rs.getDouble("cpu_max"),
                memN == 0 ? null : Math.round(rs.getDouble("mem_sum") / memN),
                memN == 0 ? null : rs.getLong("mem_max"), wsb, wsf);
    }
}
