package dev.pilothouse.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/** The engine's side of the agent contract: health checks and streamed messages over HTTP. */
public final class AgentClient {
    private static final MediaType JSON = MediaType.get("application/json");
    /** The most of a reply that is kept (and stored); the rest still streams to listeners. */
    public static final int MAX_REPLY_CHARS = 1_000_000;

    private final OkHttpClient health;
    private final OkHttpClient messages;

    public AgentClient() {
        OkHttpClient base = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
        this.health = base.newBuilder().callTimeout(Duration.ofSeconds(2)).build();
        // a reply may take as long as the agent's work takes; a dead agent resets the connection
        this.messages = base.newBuilder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ZERO).build();
    }

    /** True when the agent answers {@code GET /healthz} with 200. */
    public boolean healthy(AgentEndpoint endpoint) {
        if (!listening(endpoint)) {
            return false;
        }
        Request request = new Request.Builder().url(endpoint.baseUrl() + "/healthz").get().build();
        try (Response response = health.newCall(request).execute()) {
            return response.code() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether anything accepts connections at the endpoint: a refused plain connect costs a tiny
     * fraction of a refused HTTP call, and a starting agent is polled many times.
     */
    private static boolean listening(AgentEndpoint endpoint) {
        okhttp3.HttpUrl url = okhttp3.HttpUrl.get(endpoint.baseUrl());
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open()) {
            ch.connect(new java.net.InetSocketAddress(url.host(), url.port()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The reply as stored: its text (at most {@link #MAX_REPLY_CHARS}), the error that ended it,
     * if any, and how many characters of text arrived in all.
     */
    public record Reply(String content, String error, Integer exitCode, long receivedChars) {
        public Reply(String content, String error, Integer exitCode) {
            this(content, error, exitCode, content.length());
        }

        public boolean failed() {
            return error != null;
        }

        /** More text arrived than {@link #content()} keeps. */
        public boolean truncated() {
            return receivedChars > content.length();
        }
    }

    /**
     * Sends one message and streams the reply's events to {@code onEvent} as they arrive.
     *
     * @throws PartialReplyException when the agent cannot be reached or the connection breaks
     *                               mid-reply; it holds the text received so far
     */
    public Reply send(AgentEndpoint endpoint, String messageId, String sessionId, String content,
                      Consumer<AgentEvent> onEvent) throws PartialReplyException {
        ObjectNode body = Json.object().put("id", messageId).put("session_id", sessionId).put("content", content);
        Request.Builder request = new Request.Builder().url(endpoint.baseUrl() + "/v0/messages")
                .post(RequestBody.create(Json.compact(body), JSON));
        if (endpoint.token() != null) {
            request.header("Authorization", "Bearer " + endpoint.token());
        }
        StringBuilder text = new StringBuilder();
        long received = 0;
        try (Response response = messages.newCall(request.build()).execute()) {
            if (response.code() != 200) {
                String detail = response.body().string();
                return new Reply("", "agent answered HTTP " + response.code() + ": " + clip(errorText(detail), 500), null);
            }
            BufferedSource source = response.body().source();
            String line;
            while ((line = source.readUtf8Line()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                AgentEvent event = parse(line);
                if (event == null) {
                    return new Reply(text.toString(), "agent sent a line that is not a contract event: " + clip(line, 200),
                            null, received);
                }
                if (event.carriesReplyText()) {
                    received += event.text().length();
                    if (text.length() < MAX_REPLY_CHARS) {
                        text.append(event.text(), 0, Math.min(event.text().length(), MAX_REPLY_CHARS - text.length()));
                    }
                }
                onEvent.accept(event);
                if (event.type() == AgentEvent.Type.DONE) {
                    return new Reply(text.toString(), null, event.exitCode(), received);
                }
                if (event.type() == AgentEvent.Type.ERROR) {
                    return new Reply(text.toString(), event.text(), null, received);
                }
            }
            return new Reply(text.toString(), "the agent's reply ended without a done or error event", null, received);
        } catch (IOException e) {
            throw new PartialReplyException(e, text.toString());
        }
    }

    /** The connection failed; {@link #partial()} is what arrived before it did. */
    public static final class PartialReplyException extends Exception {
        private final String partial;

        PartialReplyException(IOException cause, String partial) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
            this.partial = partial;
        }

        public String partial() {
            return partial;
        }
    }

    static AgentEvent parse(String line) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n == null || !n.isObject()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "delta" -> AgentEvent.delta(n.path("text").asText(""));
            case "tool_output" -> AgentEvent.toolOutput(n.path("stream").asText("stdout"), n.path("text").asText(""));
            case "done" -> new AgentEvent(AgentEvent.Type.DONE, null, null,
                    n.hasNonNull("exit_code") ? n.get("exit_code").asInt() : null);
            case "error" -> new AgentEvent(AgentEvent.Type.ERROR, n.path("message").asText("unknown error"), null, null);
            default -> null;
        };
    }

    private static String errorText(String body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException ignored) {
            // not JSON: show it as it is
        }
        return body;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
