package dev.pilothouse.session;

/** An agent assigned to a session, as the session's JSON shows it. */
public record SessionAgent(String id, String name, String model, String image) {
}
