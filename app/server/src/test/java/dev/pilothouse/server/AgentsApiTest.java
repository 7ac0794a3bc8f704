package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /api/v0/agents}: a PUT edits the definition in place, so an id a client kept still names it. */
class AgentsApiTest extends ApiTestBase {
    @Test
    void aPutKeepsTheAgentsIdAndCreationTimeAndSessionsFindItByThatId() {
        Answer created = post("/api/v0/agents", "{\"name\":\"cstr\",\"command\":[\"python3\",\"agent.py\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode before = created.json();
        Answer first = put("/api/v0/agents/cstr", "{\"command\":[\"python3\",\"agent.py\",\"-v\"],\"model\":\"m1\"}");
        Answer second = put("/api/v0/agents/cstr", "{\"command\":[\"python3\",\"agent.py\"],\"model\":\"m2\","
                + "\"env\":{\"A\":\"1\"},\"reply_timeout_seconds\":30}");
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        for (Answer a : new Answer[] {first, second}) {
            assertThat(a.json().get("id").asText()).isEqualTo(before.get("id").asText());
            assertThat(a.json().get("created_at").asText()).isEqualTo(before.get("created_at").asText());
        }
        JsonNode shown = get("/api/v0/agents/cstr").json();
        assertThat(shown.get("model").asText()).isEqualTo("m2");
        assertThat(shown.get("env").get("A").asText()).isEqualTo("1");
        assertThat(shown.get("reply_timeout_seconds").asInt()).isEqualTo(30);
        assertThat(shown.get("updated_at").asText()).isGreaterThanOrEqualTo(before.get("updated_at").asText());
        // one row, not one per edit
        assertThat(get("/api/v0/agents?deleted=true").json().get("items").findValuesAsText("name"))
                .filteredOn("cstr"::equals).hasSize(1);

        Answer byId = post("/api/v0/sessions", "{\"name\":\"by-old-id\",\"agent_ids\":[\"" + before.get("id").asText() + "\"]}");
        assertThat(byId.status()).as(byId.body()).isEqualTo(201);
        assertThat(byId.json().get("agents").findValuesAsText("name")).containsExactly("cstr");
    }

    @Test
    void aPutOnADeletedAgentIsA404() {
        assertThat(post("/api/v0/agents", "{\"name\":\"gone\",\"command\":[\"cat\"]}").status()).isEqualTo(201);
        assertThat(delete("/api/v0/agents/gone").status()).isEqualTo(200);
        Answer a = put("/api/v0/agents/gone", "{\"command\":[\"cat\"]}");
        assertThat(a.status()).as(a.body()).isEqualTo(404);
        assertThat(a.error().get("message").asText()).contains("gone");
    }
}
