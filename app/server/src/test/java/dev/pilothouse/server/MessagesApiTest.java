package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Item 3: the conversation over the API, answered whole or streamed (NDJSON, SSE). */
class MessagesApiTest extends ApiTestBase {

    @Test
    void aSendAnswersWithTheStoredExchange() {
        ready("talk");
        Answer a = post("/api/v0/sessions/talk/messages", "{\"content\":\"$ echo from-the-api\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("reply").get("content").asText()).contains("from-the-api");
        assertThat(a.json().get("reply").get("status").asText()).isEqualTo("complete");
        assertThat(get("/api/v0/sessions/talk/messages/count").json().get("count").asInt()).isEqualTo(2);
        Answer page = get("/api/v0/sessions/talk/messages?limit=1");
        assertThat(page.json().get("items")).hasSize(1);
        long after = page.json().get("next_after").asLong();
        Answer rest = get("/api/v0/sessions/talk/messages?after=" + after);
        assertThat(rest.json().get("items").get(0).get("role").asText()).isEqualTo("agent");
        long last = rest.json().get("next_after").asLong();
        Answer none = get("/api/v0/sessions/talk/messages?after=" + last);
        assertThat(none.json().get("items")).isEmpty();
        assertThat(none.json().get("next_after").asLong()).isEqualTo(last); // a poller keeps its place

        // the reply's trace and the request log
        long reply = a.json().get("reply").get("id").asLong();
        Answer trace = get("/api/v0/sessions/talk/messages/" + reply + "/trace");
        assertThat(trace.status()).as(trace.body()).isEqualTo(200);
        assertThat(trace.json().get("message_id").asLong()).isEqualTo(reply);
        JsonNode events = trace.json().get("items");
        assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("done");
        StringBuilder text = new StringBuilder();
        events.forEach(e -> text.append(e.get("text").isNull() ? "" : e.get("text").asText()));
        assertThat(text.toString()).isEqualTo(a.json().get("reply").get("content").asText());
        JsonNode requests = get("/api/v0/sessions/talk/requests?agent=reference").json().get("items");
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).get("reply_id").asLong()).isEqualTo(reply);
        assertThat(requests.get(0).get("events").asInt()).isEqualTo(events.size());
        assertThat(get("/api/v0/sessions/talk/messages/x1/trace").status()).isEqualTo(400);
        assertThat(get("/api/v0/sessions/talk/messages/" + (reply + 100) + "/trace").status()).isEqualTo(404);
        assertThat(get("/api/v0/sessions/talk/requests?agent=ghost").status()).isEqualTo(400);
        JsonNode timeline = get("/api/v0/sessions/talk/timeline").json().get("items");
        List<String> kinds = new java.util.ArrayList<>();
        timeline.forEach(e -> kinds.add(e.get("kind").asText()));
        assertThat(kinds).containsSubsequence("created", "message", "stream", "reply").contains("log");
        // a log line's entry: the agent, the whole line in its detail
        JsonNode line = java.util.stream.StreamSupport.stream(timeline.spliterator(), false)
                .filter(e -> e.get("kind").asText().equals("log")).findFirst().orElseThrow();
        assertThat(line.get("agent").asText()).isEqualTo("reference");
        assertThat(line.get("detail").get("line").asText()).isNotEmpty();
        assertThat(line.get("detail").get("stream").asText()).isEqualTo("stdout+stderr");
    }

    @Test
    void anNdjsonStreamDeliversDeltasBeforeDone() throws Exception {
        ready("streamed");
        Request r = new Request.Builder().url(url("/api/v0/sessions/streamed/messages"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/x-ndjson")
                .post(RequestBody.create("{\"content\":\"hello\"}", JSON)).build();
        List<String> events = new ArrayList<>();
        JsonNode done = null;
        try (Response resp = http.newCall(r).execute(); BufferedReader in = new BufferedReader(resp.body().charStream())) {
            assertThat(resp.code()).isEqualTo(200);
            assertThat(resp.header("Content-Type")).startsWith("application/x-ndjson");
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode ev = Json.parse(line);
                events.add(ev.get("event").asText());
                if (ev.get("event").asText().equals("done")) {
                    done = ev.get("data");
                }
            }
        }
        assertThat(events).contains("delta").endsWith("done");
        assertThat(events.indexOf("delta")).isLessThan(events.indexOf("done"));
        assertThat(done.get("reply").get("content").asText()).contains("reference agent");
    }

    @Test
    void serverSentEventsDeliverADeltaBeforeDone() throws Exception {
        ready("sse");
        List<String> types = new CopyOnWriteArrayList<>();
        CompletableFuture<String> finished = new CompletableFuture<>();
        Request r = new Request.Builder().url(url("/api/v0/sessions/sse/messages"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                .post(RequestBody.create("{\"content\":\"$ echo one; echo two\"}", JSON)).build();
        EventSource source = EventSources.createFactory(http).newEventSource(r, new EventSourceListener() {
            @Override
            public void onEvent(EventSource es, String id, String type, String data) {
                types.add(type);
                if (type.equals("done")) {
                    finished.complete(data);
                }
            }

            @Override
            public void onFailure(EventSource es, Throwable t, Response response) {
                finished.completeExceptionally(t != null ? t : new AssertionError("status " + response.code()));
            }
        });
        try {
            String data = finished.get(60, TimeUnit.SECONDS);
            assertThat(types.get(0)).isIn("delta", "tool_output");
            assertThat(types).endsWith("done");
            assertThat(Json.parse(data).get("reply").get("content").asText()).contains("one").contains("two");
        } finally {
            source.cancel();
        }
    }

    @Test
    void aSendToAPausedSessionResumesItAndAMissingContentIs400() {
        ready("napping");
        assertThat(put("/api/v0/sessions/napping/state", "{\"state\":\"IDLE\"}").status()).isEqualTo(200);
        Answer a = post("/api/v0/sessions/napping/messages", "{\"content\":\"$ echo awake\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("reply").get("content").asText()).contains("awake");

        Answer none = post("/api/v0/sessions/napping/messages", "{\"agent\":\"reference\"}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.error().get("field").asText()).isEqualTo("content");
        Answer wrongAgent = post("/api/v0/sessions/napping/messages", "{\"content\":\"hi\",\"agent\":\"nobody\"}");
        assertThat(wrongAgent.status()).isEqualTo(400);
    }

    @Test
    void logsAreServedWhole() {
        ready("logged");
        Answer a = get("/api/v0/sessions/logged/logs");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).contains("listening on");
        Answer bad = get("/api/v0/sessions/logged/logs?tail=-3");
        assertThat(bad.status()).isEqualTo(400);
        // asked as a stream, a refusal is still an error answer, not a stream that holds the error
        Answer streamed = call(new Request.Builder().header("Authorization", "Bearer " + token)
                .header("Accept", "application/x-ndjson"), "GET", "/api/v0/sessions/logged/logs?agent=nobody", null);
        assertThat(streamed.status()).as(streamed.body()).isEqualTo(400);
        assertThat(streamed.header("Content-Type")).startsWith("application/json");
        assertThat(streamed.error().get("message").asText()).contains("has no agent 'nobody'");
        Answer lines = call(new Request.Builder().header("Authorization", "Bearer " + token)
                .header("Accept", "application/x-ndjson"), "GET", "/api/v0/sessions/logged/logs", null);
        assertThat(lines.status()).isEqualTo(200);
        assertThat(lines.header("Content-Type")).startsWith("application/x-ndjson");
        assertThat(lines.body()).contains("\"event\":\"line\"").contains("listening on");
    }

    @Test
    void orpheusRunCreatesThenReusesTheSessionOfTheHeader() {
        Request.Builder first = new Request.Builder().header("Authorization", "Bearer " + token).header("X-Session-ID", "orph");
        Answer a = call(first, "POST", "/v1/agents/reference/run", "{\"input\":\"$ echo first > f.txt; cat f.txt\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("reply").get("content").asText()).contains("first");
        String id = a.header("X-Session-ID");
        Request.Builder again = new Request.Builder().header("Authorization", "Bearer " + token).header("X-Session-ID", id);
        Answer b = call(again, "POST", "/v1/agents/reference/run", "{\"input\":\"$ cat f.txt\"}");
        assertThat(b.json().get("session").get("name").asText()).isEqualTo("orph");
        assertThat(b.json().get("reply").get("content").asText()).contains("first");
        Answer unknown = call(again, "POST", "/v1/agents/ghost/run", "{\"input\":\"x\"}");
        assertThat(unknown.status()).isEqualTo(404);
    }
}
