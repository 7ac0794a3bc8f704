package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.Processes;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The reference agent as a child process, started the way Pilothouse starts it. */
class ReferenceAgentProcessTest {
    @TempDir
    Path workspace;
    @TempDir
    Path logs;
    final List<AgentProcess> agents = new ArrayList<>();
    MockWebServer llm;

    @AfterEach
    void stop() {
        agents.forEach(AgentProcess::kill);
        if (llm != null) {
            llm.close();
        }
    }

    private AgentProcess start(Map<String, String> env, String... args) throws IOException {
        AgentProcess agent = AgentProcess.start(workspace, logs, env, args);
        agents.add(agent);
        return agent.awaitHealthy();
    }

    @Test
    void answersHealthzAndLogsWhenItWasReady() throws IOException {
        Instant before = Instant.now();
        AgentProcess agent = start(Map.of("PILOTHOUSE_AGENT_NAME", "from-env"), "--name", "helper");

        AgentHttp.Answer health = agent.http.get("/healthz");
        assertThat(health.json()).isEqualTo(Json.parse("{\"status\":\"ok\",\"agent\":\"helper\"}"));
        // the agent serves /healthz a moment before its ready line reaches the log
        org.awaitility.Awaitility.await().until(() -> agent.stdout().contains("ready_at_us="));
        Matcher ready = Pattern.compile("reference agent 'helper' listening on 127\\.0\\.0\\.1:(\\d+) "
                + "\\(workspace (.+), waiting timeout 300 s\\) ready_at_us=(\\d+)").matcher(agent.stdout());
        assertThat(ready.find()).as(agent.stdout()).isTrue();
        assertThat(Integer.parseInt(ready.group(1))).isEqualTo(agent.port);
        assertThat(ready.group(2)).isEqualTo(workspace.toString());
        long readyAtMicros = Long.parseLong(ready.group(3));
        assertThat(readyAtMicros).isBetween(ReferenceAgent.epochMicros(before), ReferenceAgent.epochMicros(Instant.now()));
    }

    @Test
    void runsACommandInTheWorkspace() throws IOException {
        AgentProcess agent = start(Map.of());

        List<JsonNode> reply = agent.http.send("$ echo hello; pwd");

        assertThat(Replies.output(reply, "stdout")).isEqualTo("hello\n" + workspace.toRealPath() + "\n");
        assertThat(reply).allSatisfy(e -> {
            if (e.path("type").asText().equals("tool_output")) {
                assertThat(e.path("tool").asText()).isEqualTo("sh");
            }
        });
        Replies.assertDone(reply, 0);
        // the log line follows the reply's last byte
        org.awaitility.Awaitility.await().until(() -> agent.stdout().contains("reply to message m finished"));
        assertThat(agent.stdout()).contains("message m received");
    }

    @Test
    void reportsAFailingCommandsExitCodeAndStderr() throws IOException {
        AgentProcess agent = start(Map.of());

        List<JsonNode> reply = agent.http.send("$ echo oops >&2; printf partial; exit 3");

        assertThat(Replies.output(reply, "stderr")).isEqualTo("oops\n");
        assertThat(Replies.output(reply, "stdout")).isEqualTo("partial");
        assertThat(Replies.text(reply)).endsWith("\nexit code 3");
        Replies.assertDone(reply, 3);
    }

    @Test
    void runsAMultiLineScriptWithStdinClosed() throws IOException {
        AgentProcess agent = start(Map.of());

        // cat would wait forever on an open stdin
        List<JsonNode> reply = agent.http.send("$ x=41\ncat\necho $((x + 1))\necho second line");

        assertThat(Replies.output(reply, "stdout")).isEqualTo("42\nsecond line\n");
        Replies.assertDone(reply, 0);
    }

    @Test
    void streamsOutputWhileTheCommandRuns() throws IOException {
        AgentProcess agent = start(Map.of());

        AgentHttp.StreamingReply reply = agent.http.start(
                "$ echo first; while [ ! -f go ]; do sleep 0.02; done; echo second");

        await().atMost(Duration.ofSeconds(20)).until(() -> Replies.output(reply.events, "stdout").equals("first\n"));
        // the command cannot end before the file exists, so "first" arrived while it ran
        assertThat(reply.ended).isFalse();
        assertThat(reply.events).noneMatch(e -> e.path("type").asText().equals("done"));

        Files.createFile(workspace.resolve("go"));
        await().atMost(Duration.ofSeconds(20)).until(() -> reply.ended);
        assertThat(reply.failure).isNull();
        assertThat(Replies.output(reply.events, "stdout")).isEqualTo("first\nsecond\n");
        Replies.assertDone(reply.events, 0);
    }

    @Test
    void killsACommandTreeThatOutlivesItsTimeLimit() throws IOException {
        AgentProcess agent = start(Map.of("PILOTHOUSE_COMMAND_TIMEOUT_SECONDS", "1"));

        List<JsonNode> reply = agent.http.send("$ sleep 60 & echo $! > child.pid; echo started; wait");

        assertThat(Replies.output(reply, "stdout")).isEqualTo("started\n");
        assertThat(String.join("", Replies.deltas(reply))).contains("timed out after 1 s");
        Replies.assertDone(reply, CommandRunner.TIMEOUT_EXIT_CODE);
        long child = Long.parseLong(Files.readString(workspace.resolve("child.pid")).strip());
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ProcessHandle.of(child).map(p -> !Processes.running(p)).orElse(true));
    }

    @Test
    void exitsWithStatusZeroAfterTheWaitingTimeout() throws IOException {
        AgentProcess agent = start(Map.of("PILOTHOUSE_WAITING_TIMEOUT_SECONDS", "2"));

        assertThat(agent.awaitExit()).isZero();
        assertThat(agent.stdout()).contains("no message for 2 s; exiting");
    }

    @Test
    void neverExitsWhileAMessageIsInFlightAndRestartsTheClockAfterIt() throws IOException {
        // 4 s: long enough that the message surely arrives first on a loaded machine (2 s did not, at a load of 10)
        AgentProcess agent = start(Map.of("PILOTHOUSE_WAITING_TIMEOUT_SECONDS", "4"));
        AgentHttp.StreamingReply reply = agent.http.start("$ while [ ! -f go ]; do sleep 0.02; done; echo released");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.stdout().contains("message m received"));
        } catch (RuntimeException e) {
            throw new AssertionError("the message never reached the agent; its output: " + agent.stdout() + "; alive: "
                    + agent.process.isAlive() + "; HTTP status " + reply.status + ", failure " + reply.failure, e);
        }

        await().during(Duration.ofMillis(4500)).atMost(Duration.ofSeconds(10)).until(agent.process::isAlive);

        Files.createFile(workspace.resolve("go"));
        await().atMost(Duration.ofSeconds(60)).until(() -> reply.ended);
        long doneAt = System.nanoTime();
        Replies.assertDone(reply.events, 0);
        assertThat(agent.awaitExit()).isZero();
        // the clock restarted when the message ended, not when it started
        assertThat(System.nanoTime() - doneAt).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(3000));
    }

    @Test
    void exitsWithStatusZeroOnSigtermAndKillsARunningCommand() throws IOException {
        AgentProcess agent = start(Map.of());
        AgentHttp.StreamingReply reply = agent.http.start("$ echo $$ > shell.pid; echo running; sleep 60");
        await().atMost(Duration.ofSeconds(60)).until(() -> Replies.output(reply.events, "stdout").equals("running\n"));
        long shell = Long.parseLong(Files.readString(workspace.resolve("shell.pid")).strip());

        agent.process.destroy(); // SIGTERM

        assertThat(agent.awaitExit()).isZero();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ProcessHandle.of(shell).map(p -> !Processes.running(p)).orElse(true));
    }

    @Test
    void historySurvivesARestartAndReachesTheModel() throws Exception {
        AgentProcess first = start(Map.of());
        Replies.assertDone(first.http.send("$ echo remembered-output"), 0);
        first.process.destroy();
        assertThat(first.awaitExit()).isZero();

        llm = new MockWebServer();
        llm.start();
        llm.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
                .body("data: {\"choices\":[{\"delta\":{\"content\":\"I remember.\"}}]}\n\ndata: [DONE]\n\n").build());
        AgentProcess second = start(Map.of(
                "OPENAI_BASE_URL", llm.url("/v1").toString(),
                "PILOTHOUSE_MODEL", "test-model",
                "PILOTHOUSE_INSTRUCTIONS", "Be brief."));

        List<JsonNode> reply = second.http.send("what did I run?");

        assertThat(Replies.deltas(reply)).containsExactly("I remember.");
        RecordedRequest request = llm.takeRequest(10, TimeUnit.SECONDS);
        JsonNode messages = Json.parse(request.getBody().utf8()).path("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.get(0)).isEqualTo(Json.parse("{\"role\":\"system\",\"content\":\"Be brief.\"}"));
        assertThat(messages.get(1)).isEqualTo(Json.parse("{\"role\":\"user\",\"content\":\"$ echo remembered-output\"}"));
        assertThat(messages.get(2).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(2).path("content").asText()).isEqualTo("remembered-output\nexit code 0");
        assertThat(messages.get(3)).isEqualTo(Json.parse("{\"role\":\"user\",\"content\":\"what did I run?\"}"));

        List<String> lines = Files.readAllLines(workspace.resolve(".pilothouse/history/reference/history.jsonl"));
        assertThat(lines).hasSize(4);
        assertThat(Json.parse(lines.get(3)).path("content").asText()).isEqualTo("I remember.");
        assertThat(Instant.parse(Json.parse(lines.get(3)).path("at").asText())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void exitsWithStatusOneWhenThePortIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            AgentProcess agent = AgentProcess.start(workspace, logs,
                    Map.of("PILOTHOUSE_AGENT_PORT", Integer.toString(taken.getLocalPort())));
            agents.add(agent);

            assertThat(agent.awaitExit()).isEqualTo(1);
            assertThat(agent.stderr()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void refusesABadSettingWithStatusTwo() throws IOException {
        AgentProcess agent = AgentProcess.start(workspace, logs, Map.of("PILOTHOUSE_WAITING_TIMEOUT_SECONDS", "soon"));
        agents.add(agent);

        assertThat(agent.awaitExit()).isEqualTo(2);
        assertThat(agent.stderr()).contains("waiting timeout 'soon' is not accepted: give a whole number from 1 to");
    }
}
