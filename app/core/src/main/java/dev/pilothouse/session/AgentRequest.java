package dev.pilothouse.session;

import java.time.Instant;

/**
 * One request to an agent and how it went: the seed's "network analysis" (issue 15, item 4). A
 * message sent and the reply it got, paired in conversation order.
 *
 * @param replyId          the reply's message id; 0 while none is stored (the request is in flight)
 * @param firstEventMillis when the agent's first streamed event arrived, after the send; null when
 *                         the reply has no trace (none streamed, or stored before traces were kept)
 * @param latencyMillis    from the send to the stored reply; null while in flight
 * @param events           events the agent streamed for the reply
 */
public record AgentRequest(long messageId, long replyId, String agent, Instant sentAt, Long firstEventMillis,
                           Long latencyMillis, int sentChars, int replyChars, int events, Message.Status status,
                           String error) {
}
