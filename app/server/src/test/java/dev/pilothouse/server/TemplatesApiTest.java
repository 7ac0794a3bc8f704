package dev.pilothouse.server;

import dev.pilothouse.agent.AgentDefinition;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14 item 1 over the REST API: seed 001's template as YAML, versions, a session from it with parameters. */
class TemplatesApiTest extends ApiTestBase {

    private Answer postYaml(String yaml) throws IOException {
        Request r = new Request.Builder().header("Authorization", "Bearer " + token).url(url("/api/v0/templates"))
                .post(okhttp3.RequestBody.create(yaml, MediaType.get("application/yaml"))).build();
        try (Response resp = http.newCall(r).execute()) {
            return new Answer(resp.code(), resp.headers(), resp.body().string());
        }
    }

    @Test
    void theSeedsTemplateAsYamlIsStoredVersionedAndUsed() throws Exception {
        String seed = Files.readString(Path.of("../core/src/test/resources/templates/seed-001.yaml"));
        Answer a = postYaml(seed);
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.json().get("version").asInt()).isEqualTo(1);
        assertThat(a.json().get("yaml").asText()).isEqualTo(seed);
        assertThat(a.json().get("missing_agents").toString()).isEqualTo("[\"data-analyzer\",\"chart-generator\"]");

        a = post("/api/v0/sessions", "{\"template\":\"data-analysis-template\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).contains("names agents that are not defined: data-analyzer, "
                + "chart-generator");

        AgentDefinition r = engine.agent("reference");
        for (String n : new String[]{"data-analyzer", "chart-generator"}) {
            engine.createAgent(new AgentDefinition(null, n, null, r.command(), null, null, r.env(), r.port(), null,
                    null, null, null));
        }
        String v2 = seed.replace("  guardrails:", "  starting_prompt: \"$ echo hi {{who}} $PILOTHOUSE_MODEL\"\n"
                + "  parameters:\n    - name: who\n  guardrails:");
        a = post("/api/v0/templates", dev.pilothouse.json.Json.compact(dev.pilothouse.json.Json.YAML.readTree(v2)));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.json().get("version").asInt()).isEqualTo(2);
        assertThat(a.json().get("missing_agents")).isEmpty();

        assertThat(get("/api/v0/templates").json().get("items").get(0).get("version").asInt()).isEqualTo(2);
        assertThat(get("/api/v0/templates/data-analysis-template?version=1").json().get("yaml").asText()).isEqualTo(seed);

        a = post("/api/v0/sessions?wait=ready", "{\"name\":\"from-template\",\"template\":\"data-analysis-template\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).contains("needs parameter who");

        a = post("/api/v0/sessions?wait=ready", "{\"name\":\"from-template\",\"template\":\"data-analysis-template\","
                + "\"parameters\":{\"who\":\"api\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.json().get("state").asText()).isEqualTo("READY");
        assertThat(a.json().get("agents").get(0).get("model").asText()).isEqualTo("gpt-4");
        assertThat(a.json().get("metadata").get("template").asText()).isEqualTo("data-analysis-template");
        assertThat(a.json().get("resources").get("cpu").asText()).isEqualTo("2");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(get("/api/v0/sessions/from-template/messages").body()).contains("hi api gpt-4"));

        assertThat(delete("/api/v0/templates/data-analysis-template").status()).isEqualTo(200);
        assertThat(get("/api/v0/templates/data-analysis-template").status()).isEqualTo(404);
    }

    @Test
    void aBadTemplateIsA400WithLineAndColumnAndNothingIsStored() throws Exception {
        Answer a = postYaml("apiVersion: v1\nkind: SessionTemplate\nmetadata: {name: t}\nspec:\n  agents: [{name: a}]\n"
                + "  agent: []\n");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).isEqualTo("template line 6, column 3: unknown key 'agent' in spec; "
                + "accepted: agents, resources, guardrails, starting_prompt, waiting_timeout_seconds, ttl_seconds, "
                + "metadata, parameters");
        assertThat(get("/api/v0/templates").json().get("items")).isEmpty();
    }
}
