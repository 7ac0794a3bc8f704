package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.json.Json;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Items 3 and 5: the watch stream, and the one error shape for every mistake. */
class WatchAndErrorsApiTest extends ApiTestBase {

    record Seen(String id, JsonNode data) {
    }

    private EventSource watch(String query, String lastEventId, List<Seen> seen) {
        Request.Builder r = new Request.Builder().url(url("/api/v0/watch" + query)).header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            r.header("Last-Event-ID", lastEventId);
        }
        return EventSources.createFactory(http).newEventSource(r.build(), new EventSourceListener() {
            @Override
            public void onEvent(EventSource es, String id, String type, String data) {
                if (type.equals("change")) {
                    seen.add(new Seen(id, Json.parse(data)));
                }
            }
        });
    }

    @Test
    void theWatchDeliversEveryChangeAndResumesFromLastEventId() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        long start = get("/api/v0/sessions").json().get("change").asLong();
        EventSource first = watch("?since=" + start, null, seen);
        try {
            engine.create(CreateRequest.of("watched", "reference"), null);
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream()
                    .anyMatch(s -> s.data().get("name").asText().equals("watched") && s.data().get("state").asText().equals("READY")));
        } finally {
            first.cancel();
        }
        String last = seen.get(seen.size() - 1).id();
        engine.pause("watched");
        List<Seen> resumed = new CopyOnWriteArrayList<>();
        EventSource second = watch("", last, resumed);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> resumed.stream()
                    .anyMatch(s -> s.data().get("name").asText().equals("watched") && s.data().get("state").asText().equals("IDLE")));
            assertThat(resumed).allSatisfy(s -> assertThat(Long.parseLong(s.id())).isPositive());
        } finally {
            second.cancel();
        }
    }

    @Test
    void everyMistakeHasTheOneErrorShape() {
        Answer malformed = post("/api/v0/sessions", "{\"name\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error().get("code").asText()).isEqualTo("invalid");
        assertThat(malformed.error().get("message").asText()).contains("not valid JSON").contains("line 1");

        Answer unknown = post("/api/v0/sessions", "{\"agents\":[\"reference\"],\"colour\":\"red\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error().get("field").asText()).isEqualTo("colour");
        assertThat(unknown.error().get("message").asText()).contains("accepted: name, starting_prompt");

        Answer type = post("/api/v0/sessions", "{\"agents\":\"reference\"}");
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.error().get("field").asText()).isEqualTo("agents");
        assertThat(type.error().get("message").asText()).contains("list of strings");

        Answer nullId = post("/api/v0/sessions", "{\"name\":\"d1\",\"agent_ids\":[null]}");
        assertThat(nullId.status()).isEqualTo(400);
        assertThat(nullId.error().get("field").asText()).isEqualTo("agent_ids");
        assertThat(nullId.error().get("message").asText()).isEqualTo("field 'agent_ids' must be a list of agent ids "
                + "(strings); item 1 (counting from 1) is null");

        // Jackson's words for a syntax error are not passed on: where it is, and what is wrong in plain words
        Answer unclosed = post("/api/v0/sessions", "{\"name\":\"n1\",\"agents\":[\"reference\"]");
        assertThat(unclosed.status()).isEqualTo(400);
        assertThat(unclosed.error().get("message").asText()).isEqualTo("the body is not valid JSON: it ends before the "
                + "object opened at line 1, column 1 is closed (line 1, column 36)");
        Answer trailingComma = post("/api/v0/sessions", "{\"name\":\"n1\",}");
        assertThat(trailingComma.error().get("message").asText()).contains("trailing comma").contains("line 1, column")
                .doesNotContain("Source").doesNotContain("code");

        Answer range = post("/api/v0/sessions", "{\"agents\":[\"reference\"],\"waiting_timeout_seconds\":0}");
        assertThat(range.status()).isEqualTo(400);
        assertThat(range.error().get("message").asText()).contains("accepted: 1 to");

        Answer noAgent = post("/api/v0/sessions", "{\"agents\":[\"ghost\"]}");
        assertThat(noAgent.status()).isEqualTo(400);
        assertThat(noAgent.error().get("field").asText()).isEqualTo("agents");

        Answer array = post("/api/v0/sessions", "[1,2]");
        assertThat(array.status()).isEqualTo(400);

        Answer twice = post("/api/v0/sessions", "{\"name\":\"a\",\"name\":\"b\"}");
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.error().get("message").asText()).contains("given twice");

        try (Response form = http.newCall(new Request.Builder().url(url("/api/v0/sessions"))
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create("name=x", okhttp3.MediaType.get("application/x-www-form-urlencoded"))).build()).execute()) {
            assertThat(form.code()).isEqualTo(415);
            assertThat(Json.parse(form.body().string()).get("error").get("message").asText()).contains("application/json");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        Answer route = get("/api/v0/nothing-here");
        assertThat(route.status()).isEqualTo(404);
        assertThat(route.error().get("message").asText()).contains("no such endpoint");

        Answer method = call("PATCH", "/api/v0/sessions", "{}");
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.error()).isNotNull();

        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void agentsCrud() {
        Answer created = post("/api/v0/agents", "{\"name\":\"echoer\",\"command\":\"sh -c 'cat'\",\"port\":9000}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/v0/agents/echoer");
        assertThat(created.json().get("command")).hasSize(3);
        // a shown definition can be sent back under another name: its read-only fields are ignored, whatever they hold
        Answer copied = post("/api/v0/agents", created.body().replace("\"echoer\"", "\"copied\"")
                .replaceFirst("\"created_at\":\"[^\"]*\"", "\"created_at\":\"yesterday\""));
        assertThat(copied.status()).as(copied.body()).isEqualTo(201);
        assertThat(copied.json().get("id").asText()).isNotEqualTo(created.json().get("id").asText());
        assertThat(post("/api/v0/agents", "{\"name\":\"echoer\",\"command\":[\"cat\"]}").status()).isEqualTo(409);
        Answer badPort = post("/api/v0/agents", "{\"name\":\"p\",\"command\":[\"cat\"],\"port\":\"x\"}");
        assertThat(badPort.status()).isEqualTo(400);
        assertThat(badPort.error().get("field").asText()).isEqualTo("port");
        Answer updated = put("/api/v0/agents/echoer", "{\"command\":[\"cat\"],\"model\":\"m1\"}");
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.json().get("model").asText()).isEqualTo("m1");
        assertThat(put("/api/v0/agents/echoer", "{\"name\":\"other\",\"command\":[\"cat\"]}").status()).isEqualTo(400);
        assertThat(get("/api/v0/agents").json().get("items").findValuesAsText("name")).contains("reference", "echoer");
        assertThat(delete("/api/v0/agents/echoer").status()).isEqualTo(200);
        assertThat(get("/api/v0/agents/echoer").status()).isEqualTo(404);
    }

    @Test
    void stoppingEndsAWatchWithAShutdownEvent() throws Exception {
        Request r = new Request.Builder().url(url("/api/v0/watch")).header("Authorization", "Bearer " + token).build();
        try (Response resp = http.newCall(r).execute()) {
            assertThat(resp.code()).isEqualTo(200);
            Thread stopper = new Thread(server::close);
            stopper.start();
            String all = resp.body().string(); // ends when the server ends the stream
            stopper.join();
            assertThat(all).contains("\"event\":\"shutdown\"");
        }
    }
}
