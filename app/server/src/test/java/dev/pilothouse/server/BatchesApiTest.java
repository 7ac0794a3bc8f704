package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 14 items 4, 5 and 7 over the REST API: a pipeline submitted, followed, listed; bad input is a 400 storing nothing. */
class BatchesApiTest extends ApiTestBase {

    private void template(String name, String prompt, boolean withParameter) {
        engine.applyTemplate("apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: " + name + "\nspec:\n  agents:\n"
                + "    - name: reference\n  starting_prompt: '" + prompt + "'\n"
                + (withParameter ? "  parameters:\n    - name: n\n" : ""));
    }

    @Test
    void aPipelineIsSubmittedFollowedAndListed() {
        template("write", "$ echo {{n}} > a.txt", true);
        template("read", "$ cat a.txt", false);
        Answer a = post("/api/v0/batches", "{\"template\": \"write\", \"then\": [\"read\"], \"inputs\": [{\"n\": 1}, "
                + "{\"n\": \"two\"}], \"parallel\": 2}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        String id = a.json().get("id").asText();
        assertThat(a.header("Location")).isEqualTo("/api/v0/batches/" + id);
        assertThat(a.json().get("total").asInt()).isEqualTo(2);
        assertThat(a.json().get("stages").get(1).get("template").asText()).isEqualTo("read");

        await().atMost(Duration.ofSeconds(120)).until(() -> get("/api/v0/batches/" + id).json().get("status").asText()
                .equals("done"));
        JsonNode b = get("/api/v0/batches/" + id).json();
        assertThat(b.get("counts").get("done").asInt()).isEqualTo(2);
        assertThat(b.get("rows").get(0).get("result").asText()).startsWith("1\n");
        assertThat(b.get("rows").get(1).get("result").asText()).startsWith("two\n");
        assertThat(b.get("rows").get(1).get("stages")).hasSize(2);
        assertThat(get("/api/v0/batches").json().get("items").get(0).get("id").asText()).isEqualTo(id);
        Answer cancel = post("/api/v0/batches/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(409);
        assertThat(post("/api/v0/batches/" + id + "/resume", "").json().get("status").asText()).isEqualTo("done");
    }

    @Test
    void badInputIsA400NamingTheRowAndNothingIsStored() {
        template("write", "$ echo {{n}}", true);
        Answer a = post("/api/v0/batches", "{\"template\": \"write\", \"inputs\": [{\"n\": 1}, {\"m\": 2}]}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).isEqualTo("input row 2 (line 2): template 'write' has no parameter "
                + "'m'; its parameters are n");
        a = post("/api/v0/batches", "{\"template\": \"write\", \"inputs\": [{\"n\": 1}], \"parallel\": 0}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("field").asText()).isEqualTo("parallel");
        a = post("/api/v0/batches", "{\"template\": \"write\", \"inputs\": {\"n\": 1}}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).startsWith("inputs must be a JSON array of objects");
        a = post("/api/v0/batches", "{\"template\": \"write\", \"inputs\": [{\"n\": {\"deep\": 1}}]}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("message").asText()).contains("field 'n' is an object");
        assertThat(get("/api/v0/batches").json().get("items")).isEmpty();
        assertThat(engine.sessions(true)).isEmpty();
        assertThat(get("/api/v0/batches/b0000000").status()).isEqualTo(404);
    }
}
