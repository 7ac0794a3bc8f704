package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.json.Json;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9, item 5: the health check proves who answers. The reference agent answers the engine's
 * challenge with HMAC-SHA256(token, challenge); the engine's client counts an agent healthy only
 * with the right proof, and an agent run without a token (by hand) answers as before.
 */
class HealthProofTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";
    @TempDir
    Path workspace;
    private InProcessAgent agent;
    private final AgentClient client = new AgentClient();
    private final OkHttpClient http = new OkHttpClient();

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + agent.server.port();
    }

    private JsonNode healthz(String challenge) throws Exception {
        Request.Builder r = new Request.Builder().url(base() + "/healthz");
        if (challenge != null) {
            r.header(AgentClient.CHALLENGE_HEADER, challenge);
        }
        try (Response response = http.newCall(r.build()).execute()) {
            assertThat(response.code()).isEqualTo(200);
            return Json.parse(response.body().string());
        }
    }

    @Test
    void anAgentWithATokenProvesItWithoutSendingIt() throws Exception {
        agent = InProcessAgent.start(workspace, Map.of("PILOTHOUSE_AGENT_TOKEN", TOKEN, "PILOTHOUSE_SESSION_ID", "s-42",
                "PILOTHOUSE_AGENT_NAME", "coder"));

        JsonNode answer = healthz("9f86d081884c7d659a2feaa0c55ad015");
        assertThat(answer.path("proof").asText()).isEqualTo(AgentClient.hmac(TOKEN, "9f86d081884c7d659a2feaa0c55ad015"))
                .hasSize(64);
        assertThat(answer.path("session_id").asText()).isEqualTo("s-42");
        assertThat(answer.path("agent").asText()).isEqualTo("coder");
        assertThat(answer.toString()).doesNotContain(TOKEN);
        // a different challenge, a different proof: an answer cannot be replayed
        assertThat(healthz("another").path("proof").asText()).isNotEqualTo(answer.path("proof").asText());
        // without a challenge, the v0 answer
        assertThat(healthz(null).has("proof")).isFalse();
        assertThat(healthz(null).path("status").asText()).isEqualTo("ok");

        AgentClient.Health right = client.health(new AgentEndpoint(base(), TOKEN));
        assertThat(right.kind()).isEqualTo(AgentClient.HealthKind.HEALTHY);
        AgentClient.Health wrong = client.health(new AgentEndpoint(base(), "a-token-of-another-session"));
        assertThat(wrong.kind()).isEqualTo(AgentClient.HealthKind.IMPOSTOR);
        assertThat(wrong.detail()).isEqualTo("port " + agent.server.port() + " is answered by another process: it holds "
                + "another token (it says it is agent 'coder' of session s-42)");
        assertThat(client.healthy(new AgentEndpoint(base(), "a-token-of-another-session"))).isFalse();
    }

    @Test
    void anAgentWithoutATokenAnswersAsBeforeAndIsNotTakenForOneThatHasOne() throws Exception {
        agent = InProcessAgent.start(workspace, Map.of());

        JsonNode answer = healthz("9f86d081884c7d659a2feaa0c55ad015");
        assertThat(answer.has("proof")).isFalse();
        assertThat(answer.path("status").asText()).isEqualTo("ok");

        assertThat(client.health(new AgentEndpoint(base(), null)).kind()).as("nothing to prove")
                .isEqualTo(AgentClient.HealthKind.HEALTHY);
        AgentClient.Health h = client.health(new AgentEndpoint(base(), TOKEN));
        assertThat(h.kind()).isEqualTo(AgentClient.HealthKind.IMPOSTOR);
        assertThat(h.detail()).contains("port " + agent.server.port() + " is answered by another process")
                .contains("carries no proof");
    }

    @Test
    void untilItsReadyLineIsLoggedTheAgentIsStartingNotHealthy() throws Exception {
        AgentConfig config = AgentConfig.parse(Map.of("PILOTHOUSE_AGENT_PORT", "0", "PILOTHOUSE_WORKSPACE",
                workspace.toString(), "PILOTHOUSE_AGENT_TOKEN", TOKEN), new String[0], workspace);
        try (AgentServer server = AgentServer.start(config, new IdleTimer(config.waitingTimeoutSeconds()))) {
            AgentEndpoint endpoint = new AgentEndpoint("http://127.0.0.1:" + server.port(), TOKEN);
            assertThat(client.health(endpoint).kind()).isEqualTo(AgentClient.HealthKind.NOT_READY);
            server.markReady();
            assertThat(client.health(endpoint).kind()).isEqualTo(AgentClient.HealthKind.HEALTHY);
        }
    }

    @Test
    void nothingListeningIsDownNotAnImpostor() throws Exception {
        agent = InProcessAgent.start(workspace, Map.of("PILOTHOUSE_AGENT_TOKEN", TOKEN));
        String gone = base();
        agent.close();
        agent = null;
        assertThat(client.health(new AgentEndpoint(gone, TOKEN)).kind()).isEqualTo(AgentClient.HealthKind.DOWN);
    }
}
