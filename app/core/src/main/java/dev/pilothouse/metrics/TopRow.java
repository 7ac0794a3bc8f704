package dev.pilothouse.metrics;

import dev.pilothouse.session.SessionState;

import java.time.Instant;

/** One line of {@code sessions top}: a session's latest reading and its activity in brief. */
public record TopRow(String sessionId, String name, String context, SessionState state, Instant createdAt,
                     Current current, Activity activity) {
}
