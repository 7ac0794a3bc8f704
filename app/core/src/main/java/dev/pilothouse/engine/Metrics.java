package dev.pilothouse.engine;

import dev.pilothouse.metrics.Activity;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricBucket;
import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.session.AgentRequest;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.StoreTx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads metrics for people: a session's history and activity, and the {@code top} table. */
final class Metrics {
    private Metrics() {
    }

    /** Why a session that is not running has no current figures. */
    static String notRunning(Session s) {
        return s.deleted() ? "not running: deleted" : "not running: " + s.state();
    }

    static SessionMetrics of(StoreTx tx, Session s, Current current, Resolution r, Instant since, Instant now,
                             List<MetricBucket> open) {
        Map<String, List<MetricPoint>> history = tx.metrics().series(s.id(), r, since, open);
        return new SessionMetrics(s.id(), s.name(), s.context(), s.state(), s.createdAt(),
                Duration.between(s.createdAt(), now).toSeconds(), runningSeconds(tx.auditEvents(s.id(), 0, Integer.MAX_VALUE), now),
                current, activity(tx, s), r, since, history);
    }

    static TopRow top(StoreTx tx, Session s, Current current) {
        return new TopRow(s.id(), s.name(), s.context(), s.state(), s.createdAt(), current, activity(tx, s));
    }

    /** Replies, failures, latencies and tokens from the conversation and its traces. */
    static Activity activity(StoreTx tx, Session s) {
        List<AgentRequest> requests = RequestLog.of(tx.messages(s.id(), 0, null, Integer.MAX_VALUE), tx.traceSummaries(s.id()), null);
        List<Long> latency = new ArrayList<>();
        List<Long> first = new ArrayList<>();
        int errors = 0;
        for (AgentRequest q : requests) {
            if (q.replyId() == 0) {
                continue;
            }
            latency.add(q.latencyMillis());
            if (q.firstEventMillis() != null) {
                first.add(q.firstEventMillis());
            }
            if (q.status() == Message.Status.ERROR) {
                errors++;
            }
        }
        long[] tokens = tx.tokenTotals(s.id());
        return new Activity(latency.size(), errors, percentile(latency, 50), percentile(latency, 95),
                percentile(first, 50), percentile(first, 95), tokens == null ? null : tokens[0], tokens == null ? null : tokens[1]);
    }

    /** Nearest-rank percentile; null for no values. */
    static Long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Time spent READY or BUSY, from the transitions of its audit trail. */
    static long runningSeconds(List<AuditEvent> trail, Instant now) {
        Instant since = null;
        long ms = 0;
        for (AuditEvent e : trail) {
            if (!AuditEvent.TRANSITION.equals(e.kind()) || e.to() == null) {
                continue;
            }
            boolean runs = e.to() == SessionState.READY || e.to() == SessionState.BUSY;
            if (runs && since == null) {
                since = e.at();
            } else if (!runs && since != null) {
                ms += Duration.between(since, e.at()).toMillis();
                since = null;
            }
        }
        if (since != null) {
            ms += Duration.between(since, now).toMillis();
        }
        return ms / 1000;
    }
}
