package dev.pilothouse.store;

import dev.pilothouse.metrics.MetricBucket;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code session_metrics} table (migration V15), within one transaction of {@link StoreTx}: samples
 * folded into buckets of every {@link Resolution} as they come, so history is downsampled on write
 * and a reader never aggregates raw samples.
 */
public final class MetricRows {
    /** Adds a folded bucket to its row: counts, sums and peaks grow; the volume's size is the latest. */
    private static final String MERGE = """
            MERGE INTO session_metrics t
            USING (VALUES (CAST(:s AS VARCHAR), CAST(:a AS VARCHAR), CAST(:w AS INT), CAST(:b AS BIGINT), CAST(:n AS INT),
                           CAST(:cn AS INT), CAST(:cs AS DOUBLE), CAST(:cm AS DOUBLE),
                           CAST(:mn AS INT), CAST(:ms AS DOUBLE), CAST(:mm AS BIGINT),
                           CAST(:wsb AS BIGINT), CAST(:wsf AS BIGINT)))
                AS x(session_id, agent, width_s, bucket_ms, n, cn, cs, cm, mn, ms, mm, wsb, wsf)
            ON t.session_id = x.session_id AND t.agent = x.agent AND t.width_s = x.width_s AND t.bucket_ms = x.bucket_ms
            WHEN MATCHED THEN UPDATE SET
                samples = t.samples + x.n,
                cpu_samples = t.cpu_samples + x.cn,
                cpu_sum = CASE WHEN x.cn = 0 THEN t.cpu_sum ELSE COALESCE(t.cpu_sum, 0) + x.cs END,
                cpu_max = CASE WHEN x.cm IS NULL THEN t.cpu_max ELSE GREATEST(COALESCE(t.cpu_max, x.cm), x.cm) END,
                mem_samples = t.mem_samples + x.mn,
                mem_sum = CASE WHEN x.mn = 0 THEN t.mem_sum ELSE COALESCE(t.mem_sum, 0) + x.ms END,
                mem_max = CASE WHEN x.mm IS NULL THEN t.mem_max ELSE GREATEST(COALESCE(t.mem_max, x.mm), x.mm) END,
                workspace_bytes = COALESCE(x.wsb, t.workspace_bytes),
                workspace_files = CASE WHEN x.wsb IS NULL THEN t.workspace_files ELSE x.wsf END
            WHEN NOT MATCHED THEN INSERT (session_id, agent, width_s, bucket_ms, samples, cpu_samples, cpu_sum, cpu_max,
                                          mem_samples, mem_sum, mem_max, workspace_bytes, workspace_files)
                VALUES (x.session_id, x.agent, x.width_s, x.bucket_ms, x.n, x.cn, CASE WHEN x.cn = 0 THEN NULL ELSE x.cs END,
                        x.cm, x.mn, CASE WHEN x.mn = 0 THEN NULL ELSE x.ms END, x.mm, x.wsb, x.wsf)
            """;

    private final Handle h;

    MetricRows(Handle h) {
        this.h = h;
    }

    /** Folds samples into every resolution's buckets, each sample on its own (tests; the engine folds in memory). */
    public void fold(Collection<Sample> samples) {
        List<MetricBucket> buckets = new ArrayList<>();
        for (Sample s : samples) {
            for (Resolution r : Resolution.values()) {
                buckets.add(MetricBucket.of(s, r));
            }
        }
        write(buckets);
    }

    /** Adds folded buckets to their rows (made when missing). */
    public void write(Collection<MetricBucket> buckets) {
        if (buckets.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch(MERGE);
        for (MetricBucket m : buckets) {
            b.bind("s", m.sessionId()).bind("a", m.agent()).bind("w", m.resolution().seconds()).bind("b", m.bucketMs())
                    .bind("n", m.samples()).bind("cn", m.cpuSamples()).bind("cs", m.cpuSum()).bind("cm", m.cpuMax())
                    .bind("mn", m.memSamples()).bind("ms", m.memSum()).bind("mm", m.memMax())
                    .bind("wsb", m.workspaceBytes()).bind("wsf", m.workspaceFiles()).add();
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
        return series(sessionId, r, since, List.of());
    }

    /** As {@link #series(String, Resolution, Instant)}, with buckets not yet written ({@code open}) folded in. */
    public Map<String, List<MetricPoint>> series(String sessionId, Resolution r, Instant since, Collection<MetricBucket> open) {
        long from = r.bucket(since.toEpochMilli());
        Map<String, long[]> lastSize = new HashMap<>();
        h.createQuery("SELECT agent, workspace_bytes, workspace_files FROM session_metrics WHERE session_id = :s "
                        + "AND width_s = :w AND bucket_ms < :since AND workspace_bytes IS NOT NULL ORDER BY bucket_ms")
                .bind("s", sessionId).bind("w", r.seconds()).bind("since", from)
                .map((rs, ctx) -> { lastSize.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)}); return 0; })
                .list();
        Map<String, TreeMap<Long, MetricBucket>> rows = new TreeMap<>();
        h.createQuery("SELECT * FROM session_metrics WHERE session_id = :s AND width_s = :w AND bucket_ms >= :since")
                .bind("s", sessionId).bind("w", r.seconds()).bind("since", from)
                .map((rs, ctx) -> rows.computeIfAbsent(rs.getString("agent"), a -> new TreeMap<>())
                        .put(rs.getLong("bucket_ms"), bucket(rs, sessionId, r)))
                .list();
        for (MetricBucket o : open) {
            if (o.sessionId().equals(sessionId) && o.resolution() == r && o.bucketMs() >= from) {
                rows.computeIfAbsent(o.agent(), a -> new TreeMap<>()).merge(o.bucketMs(), o, MetricBucket::plus);
            }
        }
        Map<String, List<MetricPoint>> out = new LinkedHashMap<>();
        rows.forEach((agent, buckets) -> {
            long[] size = lastSize.get(agent);
            List<MetricPoint> points = new ArrayList<>(buckets.size());
            for (MetricBucket b : buckets.values()) {
                if (b.workspaceBytes() != null) {
                    size = new long[] {b.workspaceBytes(), b.workspaceFiles() == null ? 0 : b.workspaceFiles()};
                }
                points.add(b.point(size == null ? null : size[0], size == null ? null : size[1]));
            }
            out.put(agent, points);
        });
        return out;
    }

    /** Rows held for a session (tests and the bounds check). */
    public long count(String sessionId) {
        return h.createQuery("SELECT COUNT(*) FROM session_metrics WHERE session_id = :s").bind("s", sessionId)
                .mapTo(Long.class).one();
    }

    private static MetricBucket bucket(ResultSet rs, String sessionId, Resolution r) throws SQLException {
        int cpuN = rs.getInt("cpu_samples");
        int memN = rs.getInt("mem_samples");
        return new MetricBucket(sessionId, rs.getString("agent"), r, rs.getLong("bucket_ms"), rs.getInt("samples"),
                cpuN, rs.getDouble("cpu_sum"), cpuN == 0 ? null : rs.getDouble("cpu_max"),
                memN, rs.getDouble("mem_sum"), memN == 0 ? null : rs.getLong("mem_max"),
                (Long) rs.getObject("workspace_bytes", Long.class), (Long) rs.getObject("workspace_files", Long.class));
    }
}
