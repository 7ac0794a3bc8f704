package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.TimelineEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The session's agents' log lines as timeline entries, at the times their runtime gives them (the
 * kubelet's write time; for local agents when the engine first saw the line, see the local
 * runtime's LogClock). Bounded: the newest {@link #MAX_LINES} lines of all agents together, each cut
 * to {@link #MAX_CHARS}, so a session that logged gigabytes still has a timeline the Replay window
 * steps through at once (it is measured at 10,000 entries; 2,000 lines leave room for the rest of a
 * long session's history). A runtime that cannot read the logs now (a cluster out of reach, a pod
 * gone) leaves them off: the timeline is still the rest of the history.
 */
final class TimelineLogs {
    /** Log lines on one timeline at most: the newest, of all the session's agents together. */
    static final int MAX_LINES = 2_000;
    /** A line's text kept in the entry's detail; longer lines are cut and marked {@code truncated}. */
    static final int MAX_CHARS = 4_000;
    /** A line's length in the summary. */
    private static final int SUMMARY_CHARS = 200;
    private static final Logger log = LoggerFactory.getLogger(TimelineLogs.class);

    private TimelineLogs() {
    }

    static List<TimelineEntry> of(Engine engine, Session s) {
        SessionRuntime runtime;
        try {
            runtime = engine.runtime(s);
        } catch (RuntimeException e) {
            log.debug("session {}: no log lines on its timeline: {}", s.id(), e.toString());
            return new ArrayList<>();
        }
        return of(runtime, s);
    }

    static List<TimelineEntry> of(SessionRuntime runtime, Session s) {
        List<TimelineEntry> out = new ArrayList<>();
        for (SessionAgent a : s.agents()) {
            List<LogLine> lines;
            try {
                lines = runtime.logHistory(s.id(), a.name(), MAX_LINES);
            } catch (RuntimeException e) {
                log.debug("session {}: no log lines of '{}' on its timeline: {}", s.id(), a.name(), e.toString());
                continue;
            }
            for (LogLine l : lines) {
                if (l.time() != null) { // a line nobody can place in time is left off, not guessed
                    out.add(entry(s, a.name(), l));
                }
            }
        }
        if (out.size() > MAX_LINES) {
            out.sort(Comparator.comparing(TimelineEntry::at)); // stable: each agent's lines keep their order
            return new ArrayList<>(out.subList(out.size() - MAX_LINES, out.size()));
        }
        return out;
    }

    private static TimelineEntry entry(Session s, String agent, LogLine l) {
        String text = l.text();
        boolean cut = text.length() > MAX_CHARS;
        ObjectNode detail = Json.object().put("agent", agent).put("stream", "stdout+stderr")
                .put("line", cut ? text.substring(0, MAX_CHARS) : text);
        if (cut) {
            detail.put("truncated", true).put("chars", text.length());
        }
        // a run's first lines can be stamped a moment before the session's creation was stored
        Instant at = l.time().isBefore(s.createdAt()) ? s.createdAt() : l.time();
        return new TimelineEntry(at, TimelineEntry.LOG, agent, summary(text), detail);
    }

    /** One line for people: control characters (colours, tabs, carriage returns) as spaces, cut. */
    static String summary(String text) {
        // only the beginning is looked at: a line can be megabytes long
        String head = text.length() > 4 * SUMMARY_CHARS ? text.substring(0, 4 * SUMMARY_CHARS) : text;
        String plain = head.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\\p{Cntrl}", " ").strip();
        return plain.length() > SUMMARY_CHARS ? plain.substring(0, SUMMARY_CHARS - 1) + "…" : plain;
    }
}
