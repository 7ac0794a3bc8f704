package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A test client for the agent contract, over real HTTP. */
final class AgentHttp implements AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient client = new OkHttpClient.Builder().readTimeout(30, TimeUnit.SECONDS).build();
    private final String base;
    private final List<Thread> readers = new CopyOnWriteArrayList<>();

    AgentHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            return Json.parse(body);
        }
    }

    static String message(String id, String content) {
        try {
            return Json.MAPPER.writeValueAsString(Map.of("id", id, "session_id", "s-1", "content", content));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean healthy() {
        try {
            return get("/healthz").status() == 200;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    Answer get(String path) {
        return call(new Request.Builder().url(base + path).build());
    }

    Answer post(String path, String body, String token) {
        Request.Builder request = new Request.Builder().url(base + path).post(RequestBody.create(body, JSON));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return call(request.build());
    }

    /** Sends a message and reads the whole reply. */
    List<JsonNode> send(String content) {
        return send(content, null);
    }

    List<JsonNode> send(String content, String token) {
        Answer answer = post("/v0/messages", message("m", content), token);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/x-ndjson");
        List<JsonNode> events = new ArrayList<>();
        answer.body().lines().filter(l -> !l.isBlank()).forEach(l -> events.add(Json.parse(l)));
        return events;
    }

    /** Sends a message and collects the reply's events on a background thread, as they arrive. */
    StreamingReply start(String content) {
        StreamingReply reply = new StreamingReply();
        Request request = new Request.Builder().url(base + "/v0/messages")
                .post(RequestBody.create(message("m", content), JSON)).build();
        Thread reader = new Thread(() -> {
            try (Response response = client.newCall(request).execute()) {
                reply.status = response.code();
                BufferedSource source = response.body().source();
                String line;
                while ((line = source.readUtf8Line()) != null) {
                    if (!line.isBlank()) {
                        reply.events.add(Json.parse(line));
                    }
                }
            } catch (IOException | RuntimeException e) {
                reply.failure = e;
            } finally {
                reply.ended = true;
            }
        }, "test-reply-reader");
        reader.setDaemon(true);
        readers.add(reader);
        reader.start();
        return reply;
    }

    private Answer call(Request request) {
        try (Response response = client.newCall(request).execute()) {
            return new Answer(response.code(), response.header("Content-Type", ""), response.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        readers.forEach(Thread::interrupt);
        client.dispatcher().executorService().shutdownNow();
        client.connectionPool().evictAll();
    }

    /** A reply being read: its events so far, and whether the stream has ended. */
    static final class StreamingReply {
        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        volatile int status;
        volatile boolean ended;
        volatile Throwable failure;
    }
}
