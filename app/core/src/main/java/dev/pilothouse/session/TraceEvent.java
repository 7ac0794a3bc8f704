package dev.pilothouse.session;

import dev.pilothouse.agent.AgentEvent;

/**
 * One event an agent streamed for a reply, with when it arrived: the reply's trace (issue 15,
 * item 4). {@code text} is null when the session's guardrails changed the reply (only its size
 * and timing are kept then).
 *
 * @param atMillis milliseconds after the message was handed to the agent
 * @param chars    the event's text length
 */
public record TraceEvent(long messageId, int seq, long atMillis, AgentEvent.Type type, String stream, int chars,
                         String text, Integer exitCode, Long inputTokens, Long outputTokens) {

    public TraceEvent(long messageId, int seq, long atMillis, AgentEvent.Type type, String stream, int chars,
                      String text, Integer exitCode) {
        this(messageId, seq, atMillis, type, stream, chars, text, exitCode, null, null);
    }
}
