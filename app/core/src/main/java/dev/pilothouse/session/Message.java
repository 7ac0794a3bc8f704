package dev.pilothouse.session;

import java.time.Instant;

/**
 * One message of a session's conversation: what the operator sent to an agent, or the agent's
 * reply. A reply that failed keeps what streamed before the failure and says why in {@code error};
 * a reply cut at the size limit is TRUNCATED and says so there too.
 */
public record Message(long id, String sessionId, Role role, String agent, String content, Status status,
                      String error, Instant createdAt, String copiedFrom) {

    /** A session's own message (not copied from a remix's parent). */
    public Message(long id, String sessionId, Role role, String agent, String content, Status status,
                   String error, Instant createdAt) {
        this(id, sessionId, role, agent, content, status, error, createdAt, null);
    }

    /** The id of the session this message was copied from by a remix, or null for the session's own. */
    public boolean copied() {
        return copiedFrom != null;
    }

    public enum Role { USER, AGENT }

    public enum Status {
        /** Delivered (user) or fully received (agent). */
        COMPLETE,
        /** The agent reported an error, the connection failed mid-reply, or no reply came in time. */
        ERROR,
        /**
         * Fully received, but longer than one stored message holds: the content is the reply's
         * beginning, and {@code error} says how long it was and what the limit is.
         */
        TRUNCATED,
        /**
         * An operator's pause, delete or retry ended the reply while it was pending: it holds what had
         * arrived, and {@code error} says who cancelled it and why.
         */
        CANCELLED
    }
}
