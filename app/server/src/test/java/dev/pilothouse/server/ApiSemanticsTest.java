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

    // ---- query parameters --------------------------------------------------------------------

    @Test
    void unknownRepeatedOrBrokenQueryParametersAreRefusedNamingThem() {
        pending("t1-a");
        Answer a = get("/api/v0/sessions?prefix=t1");
        assertInvalid(a, "prefix");
        assertThat(a.error().get("message").asText()).contains("name_prefix").contains("metadata.KEY");
        assertInvalid(get("/api/v0/sessions?bogus=1"), "bogus");
        assertInvalid(get("/api/v0/sessions?metadata.=x"), "metadata.");
        assertInvalid(get("/api/v0/sessions?limit=%zz"), "limit");
        a = get("/api/v0/sessions?state=READY&state=IDLE");
        assertInvalid(a, "state");
        assertThat(a.error().get("message").asText()).contains("more than once").contains("commas");
        assertInvalid(get("/api/v0/sessions?limit=1&limit=2"), "limit");
        // every endpoint, not only the list of sessions
        assertInvalid(get("/api/v0/agents?bogus=1"), "bogus");
        assertInvalid(get("/api/v0/sessions/t1-a/events?limt=3"), "limt");
        a = get("/api/v0/version?x=1");
        assertInvalid(a, "x");
        assertThat(a.error().get("message").asText()).contains("takes no query parameters");

        // what is documented still works
        a = get("/api/v0/sessions?name_prefix=t1&state=INIT,READY&metadata.project=q4&limit=5&sort=name");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        a = get("/api/v0/sessions?name_prefix=t1&state=INIT&limit=5");
        assertThat(a.json().get("items")).extracting(s -> s.get("name").asText()).containsExactly("t1-a");
    }

    // ---- errors name their field ---------------------------------------------------------------

    @Test
    void errorsTheEngineFindsNameTheirField() {
        assertInvalid(post("/api/v0/sessions", "{\"name\":\"x\"}"), "agents");
        assertInvalid(post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\",\"reference\"]}"), "agents");
        assertInvalid(post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"resources\":{\"cpu\":\"abc\"}}"),
                "resources.cpu");
        assertInvalid(get("/api/v0/sessions?context=nope"), "context");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p1\",\"command\":[\"x\"],\"port\":70000}"), "port");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p2\",\"command\":[\"x\"],\"reply_timeout_seconds\":0}"),
                "reply_timeout_seconds");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p3\",\"command\":[\"x\"],\"env\":{\"PILOTHOUSE_X\":\"1\"}}"), "env");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p4\",\"command\":[\"x\"],\"env\":{\"1A\":\"1\"}}"), "env");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p5\",\"command\":[\"x\"],\"resources\":{\"cpu\":\"abc\"}}"),
                "resources.cpu");
        assertInvalid(post("/api/v0/agents", "{\"name\":\"p6\",\"command\":[\"x\"],\"resources\":{\"gpu\":\"1\"}}"),
                "resources.gpu");

        pending("fields");
        assertInvalid(get("/api/v0/sessions/fields/logs?agent=nosuch"), "agent");
        assertInvalid(post("/api/v0/sessions/fields/messages", "{\"content\":\"hi\",\"agent\":\"nosuch\"}"), "agent");
        assertInvalid(post("/api/v0/sessions/fields/messages", "{\"content\":\"a\\u0000b\"}"), "content");
        Answer big = post("/api/v0/sessions/fields/messages", "{\"content\":\"" + "a".repeat(70_000) + "\"}");
        assertThat(big.error().get("field").asText()).as(big.body()).isEqualTo("content");
        assertThat(big.status()).isIn(400, 413);

        ready("parent");
        Answer remix = post("/api/v0/sessions/parent/remix", "{\"additional_agents\":[\"reference\"]}");
        assertInvalid(remix, "additional_agents");
        assertThat(remix.error().get("message").asText()).contains("already in the remix");
    }

    // ---- messages in the API's words -----------------------------------------------------------

    @Test
    void messagesSpeakOfTheJsonAndItsFieldsNotOfTheParserOrTheCli() {
        Answer a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"ttl_seconds\": NaN}");
        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).contains("'NaN' is not a JSON number")
                .doesNotContain("JsonReadFeature").doesNotContain("`");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"metadata\":" + "[".repeat(1001) + "]".repeat(1001) + "}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).contains("nested").contains("1000 levels")
                .doesNotContain("StreamReadConstraints").doesNotContain("`");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"start_after_seconds\":-5}");
        assertInvalid(a, "start_after_seconds");
        assertThat(a.error().get("message").asText()).contains("start_after_seconds").contains("whole number of seconds")
                .doesNotContain("90s").doesNotContain("'-5s'");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"start_after_seconds\":60,"
                + "\"scheduled_at\":\"2099-01-01T00:00:00Z\"}");
        assertInvalid(a, "start_after_seconds");
        assertThat(a.error().get("message").asText()).contains("'scheduled_at'").contains("'start_after_seconds'")
                .doesNotContain("--at").doesNotContain("--after");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"scheduled_at\":\"2001-01-01T00:00:00Z\"}");
        assertInvalid(a, "scheduled_at");
        assertThat(a.error().get("message").asText()).contains("in the past").doesNotContain("--at");
        assertThat(engine.sessions(true)).isEmpty();
    }

    // ---- Orpheus: a UUID X-Session-ID ----------------------------------------------------------

    @Test
    void aUuidSessionHeaderCreatesASessionThatTheSameHeaderFindsAgain() {
        String uuid = "11111111-1111-4111-8111-111111111111";
        Request.Builder first = new Request.Builder().header("Authorization", "Bearer " + token).header("X-Session-ID", uuid);
        Answer a = call(first, "POST", "/v1/agents/reference/run", "{\"input\":\"$ echo first > f.txt; cat f.txt\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().at("/session/name").asText()).isEqualTo("orpheus-" + uuid);
        String id = a.header("X-Session-ID");

        // the same header (in capitals, as some clients write UUIDs) reaches the same session, paused or not
        engine.pause(id);
        Request.Builder again = new Request.Builder().header("Authorization", "Bearer " + token)
                .header("X-Session-ID", uuid.toUpperCase());
        Answer b = call(again, "POST", "/v1/agents/reference/run", "{\"input\":\"$ cat f.txt\"}");
        assertThat(b.status()).as(b.body()).isEqualTo(200);
        assertThat(b.header("X-Session-ID")).isEqualTo(id);
        assertThat(b.json().at("/reply/content").asText()).contains("first");
        assertThat(engine.sessions(false)).hasSize(1);

        Answer bad = call(new Request.Builder().header("Authorization", "Bearer " + token).header("X-Session-ID", "UPPER"),
                "POST", "/v1/agents/reference/run", "{\"input\":\"x\"}");
        assertInvalid(bad, "X-Session-ID");
        assertThat(bad.error().get("message").asText()).contains("X-Session-ID").contains("UPPER");
        assertThat(engine.sessions(true)).hasSize(1);
    }
}
