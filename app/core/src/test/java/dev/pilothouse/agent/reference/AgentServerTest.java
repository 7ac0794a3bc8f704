package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP contract, over real HTTP against the server running in the test JVM. */
class AgentServerTest {
    @TempDir
    Path workspace;
    InProcessAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private AgentHttp start(Map<String, String> env) throws Exception {
        agent = InProcessAgent.start(workspace, env);
        return agent.http;
    }

    /**
     * With Nagle's algorithm on, the JDK's server held each response's body until the client's
     * delayed ACK (40 ms): every health check and message waited for it. The agent turns it off
     * before any server exists, through the property the JDK's server reads as it first starts.
     */
    @Test
    void answersWithNagleOff() throws Exception {
        java.lang.invoke.MethodHandles.lookup().ensureInitialized(AgentServer.class);
        assertThat(System.getProperty("sun.net.httpserver.nodelay"))
                .as("set by the agent when its server class is first used").isEqualTo("true");
    }

    @Test
    void refusesASecondMessageWhileOneIsInFlight() throws Exception {
        AgentHttp http = start(Map.of());
        AgentHttp.StreamingReply first = http.start("$ echo busy; while [ ! -f go ]; do sleep 0.02; done");
        await().atMost(Duration.ofSeconds(10)).until(() -> Replies.output(first.events, "stdout").equals("busy\n"));

        AgentHttp.Answer second = http.post("/v0/messages", AgentHttp.message("2", "$ echo second"), null);

        assertThat(second.status()).isEqualTo(409);
        assertThat(second.json().path("error").asText()).contains("one message at a time");
        Files.createFile(workspace.resolve("go"));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.ended);
        Replies.assertDone(first.events, 0);
        // once the first reply is over, the next message is taken
        assertThat(Replies.output(http.send("$ echo next"), "stdout")).isEqualTo("next\n");
    }

    @Test
    void refusesMalformedRequestsWith400() throws Exception {
        AgentHttp http = start(Map.of());

        assertThat(http.post("/v0/messages", "{\"content\": \"$ echo", null)).satisfies(a -> {
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.json().path("error").asText()).startsWith("request body is not valid JSON");
        });
        assertThat(http.post("/v0/messages", "[\"$ echo\"]", null).json().path("error").asText())
                .contains("must be a JSON object");
        for (String body : List.of("{\"id\":\"1\"}", "{\"id\":\"1\",\"content\":\"\"}", "{\"id\":\"1\",\"content\":\"  \"}",
                "{\"id\":\"1\",\"content\":42}")) {
            AgentHttp.Answer answer = http.post("/v0/messages", body, null);
            assertThat(answer.status()).as(body).isEqualTo(400);
            assertThat(answer.contentType()).isEqualTo("application/json");
            assertThat(answer.json().path("error").asText()).as(body).contains("\"content\" is missing or empty");
        }
        AgentHttp.Answer get = http.get("/v0/messages");
        assertThat(get.status()).isEqualTo(400);
        assertThat(get.json().path("error").asText()).contains("use POST");
        // none of them was taken as a message
        assertThat(workspace.resolve(".pilothouse")).doesNotExist();
    }

    @Test
    void answers404ForUnknownPaths() throws Exception {
        AgentHttp http = start(Map.of());

        AgentHttp.Answer answer = http.get("/v1/messages");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().path("error").asText()).contains("/v1/messages");
        assertThat(http.get("/healthz/extra").status()).isEqualTo(404);
    }

    @Test
    void requiresTheBearerTokenWhenOneIsSet() throws Exception {
        AgentHttp http = start(Map.of("PILOTHOUSE_AGENT_TOKEN", "s3cret-token"));

        for (String token : new String[] {null, "wrong", "s3cret-token-longer", "s3cret-toke"}) {
            AgentHttp.Answer answer = http.post("/v0/messages", AgentHttp.message("1", "$ echo hi"), token);
            assertThat(answer.status()).as("token %s", token).isEqualTo(401);
            assertThat(answer.json().path("error").asText()).contains("bearer token");
        }
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        List<JsonNode> reply = http.send("$ echo authorized", "s3cret-token");
        assertThat(Replies.output(reply, "stdout")).isEqualTo("authorized\n");
        Replies.assertDone(reply, 0);
    }

    @Test
    void withoutAModelExplainsWhatItCanDo() throws Exception {
        AgentHttp http = start(Map.of("PILOTHOUSE_AGENT_NAME", "helper", "PILOTHOUSE_SESSION_NAME", "q4-analysis"));
        Replies.assertDone(http.send("$ true"), 0);

        List<JsonNode> reply = http.send("hello, what can you do?");

        assertThat(Replies.end(reply).path("type").asText()).isEqualTo("done");
        String text = Replies.text(reply);
        assertThat(text).contains("'helper'", "'q4-analysis'", workspace.toString(), "No language model is configured",
                "$ ls -la", "OPENAI_BASE_URL", "OPENAI_API_KEY", "PILOTHOUSE_MODEL");
        // the command and its reply are the two earlier entries
        assertThat(text).contains("holds 2 earlier entries");
    }

    @Test
    void capsCommandOutputAndSaysHowMuchWasDropped() throws Exception {
        AgentHttp http = start(Map.of());
        int printed = CommandRunner.OUTPUT_LIMIT_BYTES + 300_000;

        List<JsonNode> reply = http.send("$ head -c " + printed + " /dev/zero | tr '\\0' a");

        Replies.assertDone(reply, 0);
        String stdout = Replies.output(reply, "stdout");
        assertThat(stdout).hasSize(CommandRunner.OUTPUT_LIMIT_BYTES).matches("a+");
        assertThat(String.join("", Replies.deltas(reply)))
                .contains("output truncated", "dropped " + (printed - CommandRunner.OUTPUT_LIMIT_BYTES) + " bytes");
        // the history keeps a clipped copy
        String history = Files.readString(agent.config.historyDir().resolve(HistoryFile.FILE_NAME));
        assertThat(history.length()).isLessThan(2 * ClippedText.LIMIT);
        assertThat(history).contains("[clipped ");
    }

    @Test
    void skipsACorruptHistoryLine() throws Exception {
        Path history = workspace.resolve(".pilothouse/history/reference/history.jsonl");
        Files.createDirectories(history.getParent());
        Files.writeString(history, "{\"role\":\"user\",\"content\":\"$ ls\",\"at\":\"2026-01-01T00:00:00Z\"}\n"
                + "not json at all\n{\"role\":\"user\",\"content\":\"cut off");
        AgentHttp http = start(Map.of());

        List<JsonNode> reply = http.send("hello");

        assertThat(Replies.text(reply)).contains("holds 1 earlier entry ");
        // the new entries start on their own line after the cut-off one
        List<String> lines = Files.readAllLines(history);
        assertThat(lines).hasSize(5);
        assertThat(Json.parse(lines.get(3)).path("content").asText()).isEqualTo("hello");
        assertThat(Json.parse(lines.get(4)).path("role").asText()).isEqualTo("assistant");
    }
}
