package dev.pilothouse.session;

import java.time.Instant;
import java.util.List;

/**
 * One message of a session's conversation: what the operator sent to an agent, or the agent's
 * reply. A reply that failed keeps what streamed before the failure and says why in {@code error};
 * a reply cut at the size limit is TRUNCATED and says so there too.
 */
public record Message(long id, String sessionId, Role role, String agent, String content, Status status,
                      String error, Instant createdAt, String copiedFrom, Guard guard) {

    /** A message no guardrail changed or held back. */
    public Message(long id, String sessionId, Role role, String agent, String content, Status status,
                   String error, Instant createdAt, String copiedFrom) {
        this(id, sessionId, role, agent, content, status, error, createdAt, copiedFrom, null);
    }

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

    /**
     * What a session's guardrail did to this message, for the operator to see: {@code verdict} is
     * {@code redacted} (the content is the redacted text), {@code blocked} (nothing of it was sent or
     * stored: {@code error} says what kinds were found and where) or {@code refused} (for its size or
     * rate: {@code error} says why, and when to retry); {@code kinds} what was found ({@code email},
     * {@code api-key}...; {@code size}, {@code session-rate}, {@code agent-rate} for a refusal). Never the
     * matched text.
     */
    public record Guard(String verdict, String guardrail, List<String> kinds) {
        public static final String REDACTED = "redacted";
        public static final String BLOCKED = "blocked";
        public static final String REFUSED = "refused";

        public Guard {
            kinds = kinds == null ? List.of() : List.copyOf(kinds);
        }

        /** In words, e.g. "redacted by no-pii-exposure: email, phone". */
        public String summary() {
            return verdict + " by " + guardrail + (kinds.isEmpty() ? "" : ": " + String.join(", ", kinds));
        }
    }

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
