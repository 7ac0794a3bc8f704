package dev.pilothouse.agent;

/** Where an agent of a running session answers: a base URL on loopback and its bearer token. */
public record AgentEndpoint(String baseUrl, String token) {
}
