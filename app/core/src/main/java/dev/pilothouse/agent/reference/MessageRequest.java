package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;

import java.io.IOException;

/** The body of {@code POST /v0/messages}: {@code {"id": "42", "session_id": "…", "content": "…"}}. */
record MessageRequest(String id, String content) {

    /** A body the agent cannot take; the message says what is expected. */
    static final class InvalidRequestException extends Exception {
        InvalidRequestException(String message) {
            super(message);
        }
    }

    static MessageRequest parse(byte[] body) throws InvalidRequestException {
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new InvalidRequestException("request body is not valid JSON: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            throw new InvalidRequestException("request body must be a JSON object {\"id\": \"…\", \"content\": \"…\"}");
        }
        JsonNode content = request.get("content");
        if (content == null || !content.isTextual() || content.asText().isBlank()) {
            throw new InvalidRequestException("\"content\" is missing or empty: give the message text as a JSON string");
        }
        String id = request.path("id").asText("");
        return new MessageRequest(id.isEmpty() ? "(no id)" : loggable(id), content.asText());
    }

    /** The id goes into the log: one short line, whatever the client sent. */
    private static String loggable(String id) {
        String shortId = id.length() > 64 ? id.substring(0, 64) + "…" : id;
        return shortId.replaceAll("\\p{Cntrl}", "?");
    }
}
