package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The model path against an OpenAI-compatible test double. */
class ChatTest {
    @TempDir
    Path workspace;
    MockWebServer llm;
    InProcessAgent agent;

    @BeforeEach
    void startModel() throws IOException {
        llm = new MockWebServer();
        llm.start();
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        llm.close();
    }

    private AgentHttp start(Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "OPENAI_BASE_URL", llm.url("/v1/").toString(),
                "OPENAI_API_KEY", "sk-test",
                "PILOTHOUSE_MODEL", "test-model",
                "PILOTHOUSE_INSTRUCTIONS", "You are terse."));
        env.putAll(extra);
        agent = InProcessAgent.start(workspace, env);
        return agent.http;
    }

    private static String sse(String... pieces) {
        StringBuilder s = new StringBuilder();
        for (String piece : pieces) {
            s.append("data: ").append(Json.compact(chunk(piece))).append("\n\n");
        }
        return s.append("data: [DONE]\n\n").toString();
    }

    private static JsonNode chunk(String piece) {
        var node = Json.object();
        node.putArray("choices").addObject().putObject("delta").put("content", piece);
        return node;
    }

    private static MockResponse stream(String body) {
        return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build();
    }

    @Test
    void sendsInstructionsHistoryAndTheMessageAndForwardsTheDeltas() throws Exception {
        List<String[]> earlier = new ArrayList<>();
        for (int i = 0; i < HistoryFile.CONTEXT_ENTRIES + 10; i++) {
            earlier.add(new String[] {i % 2 == 0 ? "user" : "assistant", "entry " + i});
        }
        Path history = workspace.resolve(".pilothouse/history/reference/history.jsonl");
        Files.createDirectories(history.getParent());
        StringBuilder lines = new StringBuilder();
        for (String[] e : earlier) {
            lines.append(Json.compact(Json.object().put("role", e[0]).put("content", e[1]).put("at", "2026-01-01T00:00:00Z")))
                    .append('\n');
        }
        Files.writeString(history, lines);
        llm.enqueue(stream(sse("Hel", "lo", " there")));
        AgentHttp http = start(Map.of());

        List<JsonNode> reply = http.send("say hello");

        assertThat(Replies.deltas(reply)).containsExactly("Hel", "lo", " there");
        assertThat(Replies.end(reply).path("type").asText()).isEqualTo("done");
        RecordedRequest request = llm.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer sk-test");
        JsonNode body = Json.parse(request.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("test-model");
        assertThat(body.path("stream").asBoolean()).isTrue();
        JsonNode messages = body.path("messages");
        List<String[]> context = earlier.subList(earlier.size() - HistoryFile.CONTEXT_ENTRIES, earlier.size());
        assertThat(messages).hasSize(context.size() + 2);
        assertThat(messages.get(0)).isEqualTo(Json.object().put("role", "system").put("content", "You are terse."));
        for (int i = 0; i < context.size(); i++) {
            assertThat(messages.get(i + 1)).isEqualTo(Json.object().put("role", context.get(i)[0]).put("content", context.get(i)[1]));
        }
        assertThat(messages.get(messages.size() - 1)).isEqualTo(Json.object().put("role", "user").put("content", "say hello"));
        List<String> stored = Files.readAllLines(history);
        assertThat(Json.parse(stored.get(stored.size() - 1)).path("content").asText()).isEqualTo("Hello there");
    }

    @Test
    void forwardsEachPieceAsItArrives() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        llm.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(new MockResponseBody() {
            @Override
            public long getContentLength() {
                return -1;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8("data: " + Json.compact(chunk("first")) + "\n\n").flush();
                try {
                    if (!release.await(20, TimeUnit.SECONDS)) {
                        throw new IOException("the test never released the rest of the stream");
                    }
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                sink.writeUtf8(sse(" second")).flush();
            }
        }).build());
        AgentHttp http = start(Map.of());

        AgentHttp.StreamingReply reply = http.start("stream please");

        await().atMost(Duration.ofSeconds(10)).until(() -> Replies.deltas(reply.events).equals(List.of("first")));
        assertThat(reply.ended).isFalse();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> reply.ended);
        assertThat(Replies.deltas(reply.events)).containsExactly("first", " second");
        assertThat(Replies.end(reply.events).path("type").asText()).isEqualTo("done");
    }

    @Test
    void anHttpErrorBecomesAnErrorEventAndTheAgentCarriesOn() throws Exception {
        llm.enqueue(new MockResponse.Builder().code(500).body("{\"error\":{\"message\":\"overloaded\"}}").build());
        llm.enqueue(stream(sse("recovered")));
        AgentHttp http = start(Map.of());

        String message = Replies.errorMessage(http.send("first try"));

        assertThat(message).contains(llm.url("/v1/chat/completions").toString(), "HTTP 500", "overloaded");
        List<JsonNode> next = http.send("second try");
        assertThat(Replies.deltas(next)).containsExactly("recovered");
        assertThat(Replies.end(next).path("type").asText()).isEqualTo("done");
    }

    @Test
    void anUnreachableEndpointBecomesAnErrorEvent() throws Exception {
        String closed = "http://127.0.0.1:" + AgentProcess.freePort() + "/v1";
        AgentHttp http = start(Map.of("OPENAI_BASE_URL", closed));

        String message = Replies.errorMessage(http.send("anyone there?"));

        assertThat(message).startsWith("cannot reach chat endpoint " + closed + "/chat/completions: ");
        assertThat(http.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void aMalformedStreamBecomesAnErrorEvent() throws Exception {
        llm.enqueue(stream("data: " + Json.compact(chunk("partial")) + "\n\ndata: {not json\n\n"));
        AgentHttp http = start(Map.of());

        List<JsonNode> reply = http.send("hello");

        assertThat(Replies.deltas(reply)).containsExactly("partial");
        assertThat(Replies.errorMessage(reply)).contains("malformed stream event", "{not json");
    }

    @Test
    void aStreamThatStopsEarlyIsAnError() throws Exception {
        llm.enqueue(stream("data: " + Json.compact(chunk("half an ans")) + "\n\n"));
        AgentHttp http = start(Map.of());

        assertThat(Replies.errorMessage(http.send("hello"))).contains("ended before data: [DONE]");
    }

    @Test
    void withoutAModelNameSaysWhatToSet() throws Exception {
        AgentHttp http = start(Map.of("PILOTHOUSE_MODEL", ""));

        assertThat(Replies.errorMessage(http.send("hello"))).contains("PILOTHOUSE_MODEL", "OPENAI_MODEL");
        assertThat(llm.getRequestCount()).isZero();
    }

    @Test
    void usesOpenAiModelAndSendsNoKeyWhenNoneIsSet() throws Exception {
        llm.enqueue(stream(sse("ok")));
        AgentHttp http = start(Map.of("PILOTHOUSE_MODEL", "", "OPENAI_MODEL", "fallback-model", "OPENAI_API_KEY", "",
                "OPENAI_BASE_URL", llm.url("/v1").toString()));

        assertThat(Replies.deltas(http.send("hello"))).containsExactly("ok");
        RecordedRequest request = llm.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(request.getHeaders().get("Authorization")).isNull();
        assertThat(Json.parse(request.getBody().utf8()).path("model").asText()).isEqualTo("fallback-model");
    }

    @Test
    void commandsStillRunWithoutTheModel() throws Exception {
        AgentHttp http = start(Map.of());

        List<JsonNode> reply = http.send("$ echo local");

        assertThat(Replies.output(reply, "stdout")).isEqualTo("local\n");
        assertThat(llm.getRequestCount()).isZero();
    }
}
