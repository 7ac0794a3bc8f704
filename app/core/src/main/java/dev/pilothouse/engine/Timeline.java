package dev.pilothouse.engine;

import dev.pilothouse.metrics.MetricBucket;
import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.MetricsJson;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.Sample;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.session.TraceJson;
import dev.pilothouse.store.StoreTx;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A session's history as one timeline, oldest first: its audit trail (transitions, guardrail hits,
 * workspace changes, …), its conversation, every event its agents streamed (placed at the send
 * time plus the event's offset). What the Replay view steps through; entries of one moment keep the
 * order of their sources; the session's metrics, one entry a bucket; and the newest of its agents' log
 * lines at the times their runtime gives them ({@link TimelineLogs}).
 */
final class Timeline {
    private Timeline() {
    }

    static List<TimelineEntry> of(Engine engine, Session s) {
        Instant now = engine.now();
        List<MetricBucket> open = engine.openMetrics(s.id());
        List<TimelineEntry> out = engine.store().read(tx -> {
            List<TimelineEntry> all = stored(tx, s);
            all.addAll(metrics(tx, s, now, open));
            return all;
        });
        // read outside the store's transaction: a runtime may go to a cluster for them
        out.addAll(TimelineLogs.of(engine, s));
        out.sort(Comparator.comparing(TimelineEntry::at)); // stable: sources keep their order
        return out;
    }

    /**
     * The session's metric history, one entry a bucket, at the finest width still kept for its
     * whole life (10 s within an hour of its creation, 1 min within a day, else 10 min).
     */
    private static List<TimelineEntry> metrics(StoreTx tx, Session s, Instant now, List<MetricBucket> open) {
        java.time.Duration life = java.time.Duration.between(s.createdAt(), now);
        Resolution r = Resolution.covering(life.isNegative() ? java.time.Duration.ZERO : life);
        List<TimelineEntry> out = new ArrayList<>();
        for (MetricPoint p : tx.metrics().series(s.id(), r, s.createdAt(), open).getOrDefault(Sample.SESSION, List.of())) {
            // a bucket can start before the session was made: its entry is not placed before the creation
            Instant at = p.at().isBefore(s.createdAt()) ? s.createdAt() : p.at();
            out.add(new TimelineEntry(at, TimelineEntry.METRICS, null, "cpu " + Units.percent(p.cpu()) + ", memory "
                    + Units.bytes(p.memory()) + ", workspace " + Units.bytes(p.workspaceBytes()), MetricsJson.point(p)));
        }
        return out;
    }

    private static List<TimelineEntry> stored(StoreTx tx, Session s) {
        List<TimelineEntry> out = new ArrayList<>();
        for (AuditEvent e : tx.auditEvents(s.id(), 0, Engine.MAX_PAGE)) {
            String summary = e.kind().equals(AuditEvent.TRANSITION) ? e.from() + " → " + e.to()
                    + (e.reason() == null ? "" : ": " + e.reason()) : e.kind() + (e.reason() == null ? "" : ": " + e.reason());
            out.add(new TimelineEntry(e.at(), e.kind(), null, summary, SessionJson.toJson(e)));
        }
        // a reply's events are placed after the message it answers (the one sent just before it to its
        // agent), and the reply once its last event is in: it is whole only then, whatever the clocks say
        Map<String, Message> sent = new HashMap<>();
        for (Message m : tx.messages(s.id(), 0, null, Integer.MAX_VALUE)) {
            boolean user = m.role() == Message.Role.USER;
            Instant at = m.createdAt();
            Message question = user ? null : sent.remove(m.agent());
            if (user) {
                sent.put(m.agent(), m);
            } else if (question != null && !m.copied()) {
                for (TraceEvent e : tx.trace(m.id())) {
                    Instant arrived = question.createdAt().plusMillis(e.atMillis());
                    at = arrived.isAfter(at) ? arrived : at;
                    out.add(new TimelineEntry(arrived, TimelineEntry.STREAM, m.agent(),
                            e.type().name().toLowerCase(Locale.ROOT) + (e.text() == null ? " (" + e.chars() + " chars)"
                                    : ": " + firstLine(e.text())), TraceJson.event(e).put("message_id", m.id())));
                }
            }
            String status = m.status() == Message.Status.COMPLETE ? "" : " (" + m.status().name().toLowerCase(Locale.ROOT) + ")";
            out.add(new TimelineEntry(at, user ? TimelineEntry.MESSAGE : TimelineEntry.REPLY, m.agent(),
                    (user ? "message to " : "reply from ") + m.agent() + status + ": " + firstLine(m.content()),
                    SessionJson.toJson(m)));
        }
        return out;
    }

    private static String firstLine(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 100 ? line.substring(0, 99) + "…" : line;
    }
}
