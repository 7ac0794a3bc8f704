package dev.pilothouse.server;

import okhttp3.Request;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a request means, beyond its syntax: bodies whose types are wrong, query parameters that are
 * unknown, repeated or broken, errors that name their field, messages in the API's words, and
 * Orpheus' UUID session ids.
 */
class ApiSemanticsTest extends ApiTestBase {

    private static void assertInvalid(Answer a, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.error().get("code").asText()).isEqualTo("invalid");
        assertThat(a.error().get("field").asText()).as(a.body()).isEqualTo(field);
    }

    private Answer pending(String name) {
        Answer a = post("/api/v0/sessions", "{\"name\":\"" + name + "\",\"agents\":[\"reference\"],\"start_after_seconds\":600}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a;
    }

    // ---- bodies: no coercion of wrong types --------------------------------------------------

    @Test
    void anAgentDefinitionOfWrongTypesIsRefusedNamingTheFieldAndTheAcceptedType() {
        Answer a = post("/api/v0/agents", "{\"name\":\"ty1\",\"command\":[null]}");
        assertInvalid(a, "command");
        assertThat(a.error().get("message").asText()).contains("list of strings");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"ty2\",\"command\":[1,2]}"), "command");
        a = post("/api/v0/agents", "{\"name\":\"ty3\",\"command\":[\"python3\",\"a.py\"],\"env\":{\"A\":1}}");
        assertInvalid(a, "env");
        assertThat(a.error().get("message").asText()).contains("strings").contains("\"1\"");
        a = post("/api/v0/agents", "{\"name\":\"ty4\",\"command\":[\"python3\",\"a.py\"],\"port\":8080.7}");
        assertInvalid(a, "port");
        assertThat(a.error().get("message").asText()).contains("whole number");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"ty5\",\"command\":[\"python3\"],\"port\":\"8080\"}"), "port");
        assertThat(get("/api/v0/agents").json().get("items")).extracting(n -> n.get("name").asText()).doesNotContain("ty1", "ty2", "ty3",
                "ty4", "ty5");

        // the forms the README uses still work: a command as one string or as words, env of strings
        Answer ok = post("/api/v0/agents", "{\"name\":\"ty6\",\"command\":\"python3 a.py --v\",\"env\":{\"A\":\"1\"},"
                + "\"port\":8080,\"reply_timeout_seconds\":60,\"resources\":{\"cpu\":\"500m\",\"memory\":\"1Gi\"}}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        assertThat(ok.json().get("command").toString()).isEqualTo("[\"python3\",\"a.py\",\"--v\"]");
        assertThat(ok.json().get("env").get("A").asText()).isEqualTo("1");
        assertThat(ok.json().get("port").asInt()).isEqualTo(8080);
    }
}
