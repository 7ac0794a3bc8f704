package dev.pilothouse.engine;

import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;

/**
 * A message delivered and its reply stored; {@code reply.status()} says whether the reply failed
 * or was cancelled (then {@code reply.error()} says by whom and why).
 */
public record SendResult(Session session, Message message, Message reply) {
    /**
     * The reply did not complete: it failed, or an operator cancelled it. A TRUNCATED reply
     * completed (only its stored copy is cut), so it is no failure.
     */
    public boolean failed() {
        return reply.status() == Message.Status.ERROR || reply.status() == Message.Status.CANCELLED;
    }

    public boolean cancelled() {
        return reply.status() == Message.Status.CANCELLED;
    }
}
