package dev.pilothouse.console.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's timeline as a replay: a cursor in its time, moved by stepping from entry to entry or
 * by playing at a speed, and what the session looked like there (its state, the conversation so
 * far, a reply as far as it had streamed, the last {@link #LOG_LINES} log lines). No JavaFX: the window draws {@link #frame()}, and tests
 * drive {@link #advance} with the time they choose instead of waiting for it to pass.
 */
public final class ReplayModel {
    private final List<TimelineEntry> entries;
    /** The index of the entry the cursor is at; -1 before the first. */
    private int position = -1;
    private Instant cursor;
    /** Entries between checkpoints. */
    private static final int EVERY = 128;
    private final List<Replayed> checkpoints = new ArrayList<>();
    /** Log lines a frame shows at most: the newest up to the cursor. */
    public static final int LOG_LINES = 200;
    /** Where the log entries are, in order: a frame finds its lines by a binary search, whatever the history's length. */
    private final int[] logs;

    /** A bubble of the conversation at the cursor. */
    public record Bubble(boolean user, String agent, String text, boolean streaming) {
    }

    /** What the session looked like at the cursor. */
    public record Frame(int position, Instant at, Duration sinceStart, SessionState state, SessionState previous,
                        List<Bubble> conversation, TimelineEntry current, List<TimelineEntry> logs) {
    }

    public ReplayModel(List<TimelineEntry> entries) {
        this.entries = List.copyOf(entries);
        this.cursor = entries.isEmpty() ? Instant.EPOCH : entries.get(0).at();
        // the session before entry k × EVERY, for every k: a jump replays from the nearest one only
        Replayed r = new Replayed();
        for (int i = 0; i < this.entries.size(); i++) {
            if (i % EVERY == 0) {
                checkpoints.add(r.copy());
            }
            r.apply(this.entries.get(i));
        }
        if (this.entries.size() % EVERY == 0) {
            checkpoints.add(r.copy());
        }
        logs = java.util.stream.IntStream.range(0, this.entries.size())
                .filter(i -> this.entries.get(i).kind().equals(TimelineEntry.LOG)).toArray();
    }

    public List<TimelineEntry> entries() {
        return entries;
    }

    public int position() {
        return position;
    }

    public boolean atEnd() {
        return position == entries.size() - 1;
    }

    /** Moves to entry {@code index} (clamped), the cursor at its time. */
    public void moveTo(int index) {
        if (entries.isEmpty()) {
            return;
        }
        position = Math.max(-1, Math.min(index, entries.size() - 1));
        cursor = position < 0 ? entries.get(0).at() : entries.get(position).at();
    }

    public void stepForward() {
        moveTo(position + 1);
    }

    public void stepBack() {
        moveTo(position - 1);
    }

    /**
     * Plays on: the cursor moves {@code elapsed} × {@code speed} through the session's time and
     * lands on the last entry it has passed. Returns whether the position changed.
     */
    public boolean advance(Duration elapsed, int speed) {
        if (entries.isEmpty() || atEnd()) {
            return false;
        }
        cursor = cursor.plus(elapsed.multipliedBy(speed));
        int before = position;
        while (position + 1 < entries.size() && !entries.get(position + 1).at().isAfter(cursor)) {
            position++;
        }
        if (atEnd()) {
            cursor = entries.get(position).at();
        }
        return position != before;
    }

    /** The session at the cursor: from the nearest checkpoint at or before it, so a jump costs at most {@link #EVERY} entries. */
    public Frame frame() {
        int k = (position + 1) / EVERY;
        Replayed r = checkpoints.get(k).copy();
        for (int i = k * EVERY; i <= position; i++) {
            r.apply(entries.get(i));
        }
        List<Bubble> conversation = new ArrayList<>(r.conversation);
        conversation.addAll(r.streaming.values());
        Instant start = entries.isEmpty() ? Instant.EPOCH : entries.get(0).at();
        return new Frame(position, cursor, Duration.between(start, cursor), r.state, r.previous, conversation,
                position < 0 ? null : entries.get(position), logsUpTo(position));
    }

    /** The last {@link #LOG_LINES} log entries at or before {@code index}, oldest first. */
    private List<TimelineEntry> logsUpTo(int index) {
        int upTo = java.util.Arrays.binarySearch(logs, index);
        upTo = upTo >= 0 ? upTo + 1 : -upTo - 1; // how many log entries lie at or before index
        List<TimelineEntry> out = new ArrayList<>(Math.min(LOG_LINES, upTo));
        for (int i = Math.max(0, upTo - LOG_LINES); i < upTo; i++) {
            out.add(entries.get(logs[i]));
        }
        return out;
    }

    /** What the entries up to some point made of the session; applied one entry at a time. */
    private static final class Replayed {
        SessionState state = SessionState.INIT;
        SessionState previous;
        final Map<Long, Bubble> streaming = new LinkedHashMap<>();
        final List<Bubble> conversation = new ArrayList<>();

        Replayed copy() {
            Replayed c = new Replayed();
            c.state = state;
            c.previous = previous;
            c.streaming.putAll(streaming);
            c.conversation.addAll(conversation);
            return c;
        }

        void apply(TimelineEntry e) {
            JsonNode d = e.detail();
            switch (e.kind()) {
                case AuditEvent.TRANSITION -> {
                    previous = d.hasNonNull("from") ? SessionState.valueOf(d.get("from").asText()) : state;
                    state = d.hasNonNull("to") ? SessionState.valueOf(d.get("to").asText()) : state;
                }
                case TimelineEntry.MESSAGE -> conversation.add(new Bubble(true, e.agent(), d.path("content").asText(), false));
                case TimelineEntry.STREAM -> {
                    long reply = d.path("message_id").asLong();
                    Bubble so = streaming.getOrDefault(reply, new Bubble(false, e.agent(), "", true));
                    String type = d.path("type").asText();
                    boolean text = type.equals("delta") || type.equals("tool_output");
                    streaming.put(reply, text ? new Bubble(false, e.agent(), so.text() + d.path("text").asText(""), true) : so);
                }
                case TimelineEntry.REPLY -> {
                    streaming.remove(d.path("id").asLong());
                    conversation.add(new Bubble(false, e.agent(), d.path("content").asText(), false));
                }
                default -> {
                }
            }
        }
    }
}
