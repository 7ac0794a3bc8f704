package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.SessionState;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A server stopping while replies are still awaited past its grace period: their answers end
 * cleanly (a last {@code shutdown} event, or a 503 in the one error shape), and the stopping
 * engine leaves the replies alone (no reply recorded, no agent restarted) for the next engine.
 */
class ShutdownApiTest extends ApiTestBase {
    private static final String SLOW = "{\"content\":\"$ echo begun; sleep 60; echo late\"}";

    @Override
    ServerOptions options() {
        return ServerOptions.loopback(0).withGrace(Duration.ofMillis(500));
    }

    @Test
    void aStreamedReplyOutlastingTheGraceEndsWithAShutdownEventAndIsLeftToTheNextEngine() throws Exception {
        String id = ready("long").get("id").asText();
        Request send = new Request.Builder().url(url("/api/v0/sessions/long/messages"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/x-ndjson")
                .post(RequestBody.create(SLOW, JSON)).build();
        List<JsonNode> events = new ArrayList<>();
        CompletableFuture<Void> closed = null;
        try (Response r = http.newCall(send).execute(); BufferedReader in = new BufferedReader(r.body().charStream())) {
            assertThat(r.code()).isEqualTo(200);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                events.add(Json.parse(line));
                if (closed == null) {
                    closed = CompletableFuture.runAsync(server::close); // "begun" arrived: the reply is under way
                }
            }
        }
        assertThat(closed).isNotNull();
        closed.get(30, TimeUnit.SECONDS);
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.get("event").asText()).as(events.toString()).isEqualTo("shutdown");
        assertThat(last.get("data").get("reason").asText()).contains("grace period");
        assertThat(events).noneMatch(e -> e.get("event").asText().equals("done"));
        assertThat(events.get(0).get("data").get("text").asText()).contains("begun");

        // the stopping engine neither recorded the reply nor restarted the agents: still BUSY, its
        // message without a reply, and nothing in the audit trail after the send
        assertThat(engine.session(id).state()).isEqualTo(SessionState.BUSY);
        assertThat(engine.messages(id, 0, null, 10)).hasSize(1);
        List<AuditEvent> audit = engine.events(id, 0, 1000);
        assertThat(audit.get(audit.size() - 1).to()).as(audit.toString()).isEqualTo(SessionState.BUSY);
    }

    @Test
    void aPlainReplyOutlastingTheGraceGetsA503() throws Exception {
        String id = ready("plain").get("id").asText();
        CompletableFuture<Answer> answer = CompletableFuture.supplyAsync(() -> post("/api/v0/sessions/plain/messages", SLOW));
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.session(id).state() == SessionState.BUSY);
        server.close();
        Answer a = answer.get(30, TimeUnit.SECONDS);
        assertThat(a.status()).as(a.body()).isEqualTo(503);
        assertThat(a.error().get("code").asText()).isEqualTo("unavailable");
        assertThat(a.error().get("message").asText()).contains("grace period").contains("next engine");
        assertThat(engine.session(id).state()).isEqualTo(SessionState.BUSY);
        assertThat(engine.messages(id, 0, null, 10)).hasSize(1);
    }
}
