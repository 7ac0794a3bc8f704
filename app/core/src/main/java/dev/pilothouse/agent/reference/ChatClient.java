package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A streaming client for an OpenAI-compatible {@code /chat/completions} endpoint: it forwards each
 * piece of the answer as a {@code delta} as it arrives. Every failure (unreachable endpoint, HTTP
 * error, malformed stream) ends the reply with an {@code error} that names the endpoint, and the
 * agent carries on. Only this class touches OkHttp, and it is created on the first model call, so
 * agents that never call a model do not pay for loading it.
 */
final class ChatClient {
    record ChatMessage(String role, String content) {
    }

    private static final MediaType JSON = MediaType.get("application/json");
    private static final int SNIPPET_CHARS = 500;

    private final String endpoint;
    private final String apiKey;
    private final OkHttpClient http = new OkHttpClient.Builder()
            .connectTimeout(10, TimeUnit.SECONDS)
            // a model may think for a while before its first token
            .readTimeout(5, TimeUnit.MINUTES)
            .build();

    ChatClient(String baseUrl, String apiKey) {
        this.endpoint = baseUrl.replaceAll("/+$", "") + "/chat/completions";
        this.apiKey = apiKey;
    }

    String endpoint() {
        return endpoint;
    }

    /** Streams the model's answer into {@code events} and ends the reply with done or error. */
    void stream(String model, List<ChatMessage> messages, EventStream events) {
        ObjectNode body = Json.object().put("model", model).put("stream", true);
        ArrayNode list = body.putArray("messages");
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        Request.Builder request;
        try {
            request = new Request.Builder().url(endpoint)
                    .header("Accept", "text/event-stream")
                    .post(RequestBody.create(Json.compact(body), JSON));
        } catch (IllegalArgumentException e) {
            events.error("chat endpoint " + endpoint + " is not a valid URL (check OPENAI_BASE_URL): " + e.getMessage());
            return;
        }
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        boolean received = false;
        try (Response response = http.newCall(request.build()).execute()) {
            if (!response.isSuccessful()) {
                events.error(detailed("chat endpoint " + endpoint + " answered HTTP " + response.code(),
                        response.peekBody(4096).string()));
                return;
            }
            String contentType = response.header("Content-Type", "");
            if (contentType.contains("application/json")) {
                // an endpoint that ignores "stream": the whole answer in one object
                answerAtOnce(response.body().string(), events);
                return;
            }
            BufferedSource source = response.body().source();
            boolean finishSeen = false;
            String line;
            while ((line = source.readUtf8Line()) != null) {
                received = true;
                if (!line.startsWith("data:")) {
                    continue; // comments, event names, ids and blank separators
                }
                String data = line.substring("data:".length()).strip();
                if (data.equals("[DONE]")) {
                    events.done(null);
                    return;
                }
                JsonNode chunk = parse(data);
                if (chunk == null) {
                    events.error(detailed("chat endpoint " + endpoint + " sent a malformed stream event", data));
                    return;
                }
                if (chunk.hasNonNull("error")) {
                    events.error(detailed("chat endpoint " + endpoint + " reported an error", errorText(chunk)));
                    return;
                }
                JsonNode choice = chunk.path("choices").path(0);
                events.delta(choice.path("delta").path("content").asText(""));
                finishSeen |= choice.hasNonNull("finish_reason");
            }
            // some servers end the stream after the last choice without the [DONE] marker
            if (finishSeen) {
                events.done(null);
            } else {
                events.error("the stream from chat endpoint " + endpoint + " ended before data: [DONE]");
            }
        } catch (IOException e) {
            events.error((received ? "the stream from chat endpoint " + endpoint + " broke off: "
                    : "cannot reach chat endpoint " + endpoint + ": ") + e);
        }
    }

    private void answerAtOnce(String text, EventStream events) {
        JsonNode answer = parse(text);
        JsonNode content = answer == null ? null : answer.path("choices").path(0).path("message").get("content");
        if (content == null || !content.isTextual()) {
            events.error(detailed("chat endpoint " + endpoint + " answered without a message", text));
            return;
        }
        events.delta(content.asText());
        events.done(null);
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String errorText(JsonNode chunk) {
        JsonNode error = chunk.get("error");
        return error.path("message").isTextual() ? error.path("message").asText() : error.toString();
    }

    /** An error message followed by the start of what the server sent, on one line. */
    private static String detailed(String message, String serverText) {
        String oneLine = serverText.replaceAll("\\s+", " ").strip();
        if (oneLine.isEmpty()) {
            return message;
        }
        return message + ": " + (oneLine.length() > SNIPPET_CHARS ? oneLine.substring(0, SNIPPET_CHARS) + "…" : oneLine);
    }
}
