package dev.pilothouse.session;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * One moment of a session's history on its timeline (issue 15, item 3): a transition or other
 * audit event, a message, a reply, an event the agent streamed, a bucket of its metrics, or a line an
 * agent logged.
 *
 * @param kind    {@code transition}, an audit kind ({@code created}, {@code guardrail},
 *                {@code workspace}, …), {@code message}, {@code reply}, {@code stream}, {@code metrics} or {@code log}
 * @param agent   the agent it concerns, or null
 * @param summary one line for people
 * @param detail  the source record as JSON (what {@code -o json} and the API print for it)
 */
public record TimelineEntry(Instant at, String kind, String agent, String summary, ObjectNode detail) {
    public static final String MESSAGE = "message";
    public static final String REPLY = "reply";
    public static final String STREAM = "stream";
    /** A bucket of the session's metric history (CPU, memory, volume size). */
    public static final String METRICS = "metrics";
    /** A line of an agent's log; its detail holds the whole line (see docs/traces.md for how it is timed). */
    public static final String LOG = "log";
}
