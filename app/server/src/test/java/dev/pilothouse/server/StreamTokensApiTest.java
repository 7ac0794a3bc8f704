package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An open stream (watch, log follow, streamed reply) outlives the token check of the request that
 * opened it: it must end soon after that token is revoked, with a last {@code error} event saying why.
 */
class StreamTokensApiTest extends ApiTestBase {

    /** An NDJSON stream read on another thread: its events as they come, and its end. */
    record Stream(List<JsonNode> events, CompletableFuture<Integer> ended, CompletableFuture<Void> answered, Call call) {
        JsonNode last() {
            return events.get(events.size() - 1);
        }
    }

    /** Opens a stream and waits for its headers, which a watch or log follow sends once it is watching. */
    private Stream open(Request request) {
        Stream s = start(request);
        // a change made before the headers came might not be in the stream
        await().atMost(Duration.ofSeconds(30)).until(() -> s.answered().isDone() || s.ended().isDone());
        return s;
    }

    /** Starts a stream without waiting for it (a streamed reply sends its headers with its first event). */
    private Stream start(Request request) {
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> ended = new CompletableFuture<>();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        Call call = http.newCall(request);
        Thread reader = new Thread(() -> {
            try (Response r = call.execute(); BufferedReader in = new BufferedReader(r.body().charStream())) {
                answered.complete(null);
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        events.add(Json.parse(line));
                    }
                }
                ended.complete(r.code());
            } catch (IOException e) {
                ended.completeExceptionally(new UncheckedIOException(e));
            }
        }, "test-stream-reader");
        reader.setDaemon(true);
        reader.start();
        return new Stream(events, ended, answered, call);
    }

    private Request.Builder as(String secret) {
        return new Request.Builder().header("Authorization", "Bearer " + secret).header("Accept", "application/x-ndjson");
    }

    private static void assertEndedByRevocation(Stream s, String name) {
        assertThat(s.ended()).isCompletedWithValue(200);
        JsonNode last = s.last();
        assertThat(last.get("event").asText()).as(last.toString()).isEqualTo("error");
        assertThat(last.at("/data/code").asText()).isEqualTo("token_revoked");
        assertThat(last.at("/data/message").asText()).contains("token '" + name + "' was revoked");
    }

    @Test
    void aWatchEndsWithAnErrorEventSoonAfterItsTokenIsRevoked() {
        String w = engine.tokens().create("w", false, null, "operator").secret();
        Stream s = open(as(w).url(url("/api/v0/watch")).build());
        try {
            // a change arrives while the token holds (a scheduled session: stored, no agent started)
            assertThat(post("/api/v0/sessions", "{\"name\":\"later\",\"agents\":[\"reference\"],\"start_after_seconds\":600}")
                    .status()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).until(() -> s.events().stream()
                    .anyMatch(e -> e.get("event").asText().equals("change") && e.at("/data/name").asText().equals("later")));
            assertThat(s.ended()).isNotDone();

            engine.tokens().revoke("w");
            await().atMost(Duration.ofSeconds(10)).until(() -> s.ended().isDone());
            assertEndedByRevocation(s, "w");
            // another token's request is unaffected, and the revoked one is refused as before
            assertThat(get("/api/v0/sessions").status()).isEqualTo(200);
            assertThat(call(new Request.Builder().header("Authorization", "Bearer " + w), "GET", "/api/v0/watch", null)
                    .status()).isEqualTo(401);
        } finally {
            s.call().cancel();
        }
    }

    @Test
    void aLogFollowAndAStreamedReplyEndWhenTheirTokenIsRevoked() {
        ready("followed");
        String w = engine.tokens().create("w", false, null, "operator").secret();
        Stream logs = open(as(w).url(url("/api/v0/sessions/followed/logs?follow=true")).build());
        Stream reply = start(as(w).url(url("/api/v0/sessions/followed/messages"))
                .post(okhttp3.RequestBody.create("{\"content\":\"$ sleep 20; echo late\"}", JSON)).build());
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !logs.events().isEmpty()
                    && engine.session("followed").state() == dev.pilothouse.session.SessionState.BUSY);
            assertThat(logs.ended()).as("%s", logs.events()).isNotDone();
            assertThat(reply.ended()).isNotDone();

            engine.tokens().revoke("w");
            // well before the reply (20 s of sleep) is done
            await().atMost(Duration.ofSeconds(10)).until(() -> logs.ended().isDone() && reply.ended().isDone());
            assertEndedByRevocation(logs, "w");
            assertEndedByRevocation(reply, "w");
            assertThat(engine.session("followed").state()).as("the reply is still being made")
                    .isEqualTo(dev.pilothouse.session.SessionState.BUSY);
        } finally {
            logs.call().cancel();
            reply.call().cancel();
            engine.pause("followed"); // cancels the reply: the server stops without waiting for it
        }
    }
}
