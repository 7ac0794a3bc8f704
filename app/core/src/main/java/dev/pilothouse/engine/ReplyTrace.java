package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.session.TraceEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The events of one reply as they arrive, each stamped with the time since the message was sent:
 * kept with the reply when it is stored. Bounded: an agent that streams a character at a time
 * keeps its first {@link #MAX_EVENTS} events, then only the count of the rest; text is kept up to
 * what one stored message holds ({@link AgentClient#MAX_REPLY_CHARS}), sizes and times past it.
 */
final class ReplyTrace {
    static final int MAX_EVENTS = 10_000;

    private final long startNanos;
    private final List<Stamped> events = new ArrayList<>();
    private int dropped;

    private record Stamped(long atMillis, AgentEvent event) {
    }

    ReplyTrace(long startNanos) {
        this.startNanos = startNanos;
    }

    synchronized void add(AgentEvent e, long nowNanos) {
        if (events.size() >= MAX_EVENTS) {
            dropped++;
            return;
        }
        events.add(new Stamped(TimeUnit.NANOSECONDS.toMillis(nowNanos - startNanos), e));
    }

    /** Events not kept, past the bound. */
    synchronized int dropped() {
        return dropped;
    }

    /** The events for the stored reply {@code messageId}; with {@code withText} false, timing and sizes only. */
    synchronized List<TraceEvent> events(long messageId, boolean withText) {
        List<TraceEvent> out = new ArrayList<>(events.size());
        long kept = 0;
        for (int i = 0; i < events.size(); i++) {
            Stamped s = events.get(i);
            String text = s.event().text();
            int chars = text == null ? 0 : text.length();
            kept += chars;
            boolean keep = withText && kept <= AgentClient.MAX_REPLY_CHARS;
            out.add(new TraceEvent(messageId, i, s.atMillis(), s.event().type(), s.event().stream(), chars,
                    keep ? text : null, s.event().exitCode(), s.event().inputTokens(), s.event().outputTokens()));
        }
        return out;
    }
}
