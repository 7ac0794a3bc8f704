package dev.pilothouse.server;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Resources;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14, item 6 over the API: PUT with additional_agents, remove_agents and resources. */
class SessionAgentsApiTest extends ApiTestBase {

    @Test
    void anAgentIsAddedToAReadySessionAndAnswersThenRemovedAndTheRefusalsAreClear() {
        engine.createAgent(new AgentDefinition(null, "ml-predictor", null, List.of("pilothouse", "reference-agent"),
                null, null, Map.of(), 0, new Resources(null, null, null), null, null, null));
        ready("day-two");

        Answer added = put("/api/v0/sessions/day-two", "{\"additional_agents\":[\"ml-predictor\"]}");
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        assertThat(added.json().get("state").asText()).isEqualTo("READY");
        assertThat(added.json().get("agents").findValuesAsText("name")).containsExactly("reference", "ml-predictor");
        assertThat(added.header("ETag")).isEqualTo("\"" + added.json().get("version").asLong() + "\"");

        Answer reply = post("/api/v0/sessions/day-two/messages", "{\"content\":\"$ echo $PILOTHOUSE_AGENT_NAME\","
                + "\"agent\":\"ml-predictor\"}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().get("reply").get("content").asText()).contains("ml-predictor");

        Answer last = put("/api/v0/sessions/day-two", "{\"remove_agents\":[\"reference\",\"ml-predictor\"]}");
        assertThat(last.status()).isEqualTo(400);
        assertThat(last.error().get("field").asText()).isEqualTo("remove_agents");
        assertThat(last.error().get("message").asText()).contains("a session needs at least one agent");
        Answer unknown = put("/api/v0/sessions/day-two", "{\"additional_agents\":[\"ghost\"]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error().get("field").asText()).isEqualTo("additional_agents");
        assertThat(unknown.error().get("message").asText()).contains("no agent named 'ghost'; registered agents");

        Answer removed = put("/api/v0/sessions/day-two", "{\"remove_agents\":[\"ml-predictor\"]}");
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(removed.json().get("agents").findValuesAsText("name")).containsExactly("reference");
        assertThat(engine.events("day-two", 0, 1000)).filteredOn(e -> e.kind().equals("agents_changed"))
                .extracting(e -> e.actor()).containsExactly("ci", "ci");
    }

    @Test
    void cpuAndMemoryAnswerWithANoteSayingTheyApplyAtTheNextStart() {
        ready("sized");
        Answer a = put("/api/v0/sessions/sized", "{\"resources\":{\"cpu\":\"2\",\"memory\":\"4Gi\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("resources").get("cpu").asText()).isEqualTo("2");
        assertThat(a.json().get("note").asText()).contains("next start");
        Answer storage = put("/api/v0/sessions/sized", "{\"resources\":{\"storage\":\"50Gi\"}}");
        assertThat(storage.status()).isEqualTo(400);
        assertThat(storage.error().get("message").asText()).contains("storage cannot change");
        assertThat(put("/api/v0/sessions/sized", "{\"metadata\":{\"a\":1}}").json().has("note")).isFalse();
    }
}
