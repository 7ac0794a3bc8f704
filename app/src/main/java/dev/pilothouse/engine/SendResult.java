package dev.pilothouse.engine;

import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;

/** A message delivered and its reply stored; {@code reply.status()} says whether the reply failed. */
public record SendResult(Session session, Message message, Message reply) {
    public boolean failed() {
        return reply.status() == Message.Status.ERROR;
    }
}
