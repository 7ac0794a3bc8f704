package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Item 3 and 4: sessions over the API, with the seed's bodies, ETags and If-Match. */
class SessionsApiTest extends ApiTestBase {

    @Test
    void theSeedsCreateBodyAnswers201AtInitWithLocationAndTheTokenAsCreator() {
        String refId = engine.agent("reference").id();
        Answer a = post("/api/v0/sessions", "{\"name\":\"analysis-session\",\"starting_prompt\":\"$ echo started\","
                + "\"agent_ids\":[\"" + refId + "\"],\"waiting_timeout_seconds\":300,"
                + "\"metadata\":{\"project\":\"Q4-analysis\",\"priority\":\"high\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        JsonNode s = a.json();
        assertThat(s.get("state").asText()).isEqualTo("INIT");
        assertThat(s.get("created_by").asText()).isEqualTo("ci");
        assertThat(s.get("agents").get(0).get("name").asText()).isEqualTo("reference");
        assertThat(s.get("metadata").get("priority").asText()).isEqualTo("high");
        assertThat(a.header("Location")).isEqualTo("/api/v0/sessions/" + s.get("id").asText());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> get(a.header("Location")).json().get("state").asText().equals("READY"));
        assertThat(engine.events(s.get("id").asText(), 0, 100)).anyMatch(e -> e.actor().equals("ci"));
    }

    @Test
    void getByIdOrNameWithAnEtagAndIfNoneMatch() {
        JsonNode s = ready("etagged");
        Answer byName = get("/api/v0/sessions/etagged");
        Answer byId = get("/api/v0/sessions/" + s.get("id").asText());
        assertThat(byName.json().get("id")).isEqualTo(byId.json().get("id"));
        assertThat(byId.header("ETag")).isEqualTo("\"" + byId.json().get("version").asLong() + "\"");
        Answer same = call(new Request.Builder().header("Authorization", "Bearer " + token)
                .header("If-None-Match", byId.header("ETag")), "GET", "/api/v0/sessions/etagged", null);
        assertThat(same.status()).isEqualTo(304);
        Answer missing = get("/api/v0/sessions/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error().get("message").asText()).contains("no session 'nope'");
    }

    @Test
    void putWithAStaleIfMatchIs412AndChangesNothing() {
        ready("edited");
        String etag = get("/api/v0/sessions/edited").header("ETag");
        Answer first = call(withIfMatch(etag), "PUT", "/api/v0/sessions/edited", "{\"waiting_timeout_seconds\":600,"
                + "\"metadata\":{\"updated\":true,\"tags\":[\"important\"]}}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("waiting_timeout_seconds").asInt()).isEqualTo(600);
        assertThat(first.json().get("metadata").get("tags").get(0).asText()).isEqualTo("important");

        // If-Match compares strongly: the current version as a weak tag never matches
        String current = first.header("ETag");
        Answer weak = call(withIfMatch("W/" + current), "PUT", "/api/v0/sessions/edited", "{\"ttl_seconds\":60}");
        assertThat(weak.status()).as(weak.body()).isEqualTo(412);
        assertThat(weak.error().get("code").asText()).isEqualTo("precondition_failed");
        assertThat(weak.error().get("message").asText()).contains("weak");
        assertThat(get("/api/v0/sessions/edited").header("ETag")).isEqualTo(current);
        Answer unquoted = call(withIfMatch(current.replace("\"", "")), "PUT", "/api/v0/sessions/edited",
                "{\"waiting_timeout_seconds\":700}");
        assertThat(unquoted.status()).as(unquoted.body()).isEqualTo(200);
        Answer any = call(withIfMatch("*"), "PUT", "/api/v0/sessions/edited", "{\"waiting_timeout_seconds\":800}");
        assertThat(any.status()).as(any.body()).isEqualTo(200);

        Answer stale = call(withIfMatch(etag), "PUT", "/api/v0/sessions/edited", "{\"ttl_seconds\":60}");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.error().get("code").asText()).isEqualTo("precondition_failed");
        assertThat(get("/api/v0/sessions/edited").json().get("ttl_seconds").asLong()).isNotEqualTo(60);

        Answer staleDelete = call(withIfMatch(etag), "DELETE", "/api/v0/sessions/edited", null);
        assertThat(staleDelete.status()).isEqualTo(412);
        assertThat(get("/api/v0/sessions/edited").json().get("deleted_at").isNull()).isTrue();

        Answer badName = put("/api/v0/sessions/edited", "{\"name\":\"Updated session name\"}");
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.error().get("message").asText()).contains("lowercase letters");
        // the field named as the body names it, so a form can mark it
        assertThat(badName.error().get("field").asText()).isEqualTo("name");
        Answer badTtl = post("/api/v0/sessions", "{\"name\":\"short\",\"agents\":[\"reference\"],\"ttl_seconds\":-5}");
        assertThat(badTtl.status()).isEqualTo(400);
        assertThat(badTtl.error().get("field").asText()).isEqualTo("ttl_seconds");
        Answer badTimeout = put("/api/v0/sessions/edited", "{\"waiting_timeout_seconds\":0}");
        assertThat(badTimeout.error().get("field").asText()).isEqualTo("waiting_timeout_seconds");
        Answer badMetadata = put("/api/v0/sessions/edited", "{\"metadata\":{\"\":\"empty key\"}}");
        assertThat(badMetadata.status()).isEqualTo(400);
        assertThat(badMetadata.error().get("field").asText()).isEqualTo("metadata");
    }

    @Test
    void stateChangesPauseResumeAndRefuseWhatTheStateMachineForbids() {
        ready("switched");
        Answer paused = put("/api/v0/sessions/switched/state", "{\"state\":\"IDLE\"}");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        assertThat(paused.json().get("state").asText()).isEqualTo("IDLE");

        Answer busy = put("/api/v0/sessions/switched/state", "{\"state\":\"BUSY\"}");
        assertThat(busy.status()).isEqualTo(409);
        assertThat(busy.error().get("message").asText()).contains("is IDLE").contains("Accepted now: [READY]");

        Answer again = put("/api/v0/sessions/switched/state", "{\"state\":\"IDLE\"}");
        assertThat(again.status()).isEqualTo(409);

        Answer bogus = put("/api/v0/sessions/switched/state", "{\"state\":\"ASLEEP\"}");
        assertThat(bogus.status()).isEqualTo(400);
        assertThat(bogus.error().get("field").asText()).isEqualTo("state");

        Answer resumed = put("/api/v0/sessions/switched/state", "{\"state\":\"READY\"}");
        assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
        assertThat(resumed.json().get("state").asText()).isEqualTo("READY");
    }

    @Test
    void listFiltersPagesAndSorts() {
        for (String n : List.of("b-one", "a-two", "b-three")) {
            Answer a = post("/api/v0/sessions", "{\"name\":\"" + n + "\",\"agents\":[\"reference\"],\"metadata\":{\"team\":\""
                    + (n.startsWith("b") ? "blue" : "red") + "\"}}");
            assertThat(a.status()).as(a.body()).isEqualTo(201);
        }
        assertThat(names(get("/api/v0/sessions?name_prefix=b-&sort=name"))).containsExactly("b-one", "b-three");
        assertThat(names(get("/api/v0/sessions?metadata.team=red"))).containsExactly("a-two");
        assertThat(names(get("/api/v0/sessions?sort=name&order=desc"))).containsExactly("b-three", "b-one", "a-two");

        List<String> paged = new ArrayList<>();
        String next = "";
        do {
            Answer page = get("/api/v0/sessions?sort=name&limit=2" + (next.isEmpty() ? "" : "&continue=" + next));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            paged.addAll(names(page));
            next = page.json().get("continue").isNull() ? null : page.json().get("continue").asText();
        } while (next != null);
        assertThat(paged).containsExactly("a-two", "b-one", "b-three");

        Answer badState = get("/api/v0/sessions?state=SLEEPY");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.error().get("message").asText()).contains("INIT").contains("READY");
        Answer badLimit = get("/api/v0/sessions?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.error().get("field").asText()).isEqualTo("limit");
        Answer badContinue = get("/api/v0/sessions?continue=zzz");
        assertThat(badContinue.status()).isEqualTo(400);
    }

    @Test
    void remixBothFormsDeleteAndPurge() {
        ready("parent");
        Answer blog = post("/api/v0/sessions/remix?wait=ready", "{\"parent_session\":\"parent\",\"name\":\"child\","
                + "\"copy_conversation\":true}");
        assertThat(blog.status()).as(blog.body()).isEqualTo(201);
        assertThat(blog.json().get("parent_session_id").asText()).isEqualTo(get("/api/v0/sessions/parent").json().get("id").asText());
        Answer seed = post("/api/v0/sessions/parent/remix", "{\"name\":\"child-2\",\"starting_prompt\":\"go on\"}");
        assertThat(seed.status()).as(seed.body()).isEqualTo(201);
        Answer noParent = post("/api/v0/sessions/remix", "{\"name\":\"orphan\"}");
        assertThat(noParent.status()).isEqualTo(400);
        assertThat(noParent.error().get("field").asText()).isEqualTo("parent_session");
        Answer missingParent = post("/api/v0/sessions/ghost/remix", "{}");
        assertThat(missingParent.status()).isEqualTo(404);
        Answer unknownAgent = post("/api/v0/sessions/parent/remix", "{\"additional_agents\":[\"ghost\"]}");
        assertThat(unknownAgent.status()).as(unknownAgent.body()).isEqualTo(400);
        assertThat(unknownAgent.error().get("field").asText()).isEqualTo("additional_agents");

        Answer early = post("/api/v0/sessions/child/purge", null);
        assertThat(early.status()).isEqualTo(409);
        assertThat(early.error().get("message").asText()).contains("not deleted");
        Answer deleted = delete("/api/v0/sessions/child");
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().get("deleted_at").isNull()).isFalse();
        Answer purged = post("/api/v0/sessions/child/purge", null);
        assertThat(purged.status()).as(purged.body()).isEqualTo(200);
        assertThat(purged.json().get("purged_at").isNull()).isFalse();
        assertThat(names(get("/api/v0/sessions"))).doesNotContain("child");
        assertThat(names(get("/api/v0/sessions?deleted=true"))).contains("child");
    }

    @Test
    void aDuplicateNameIs409() {
        ready("twice");
        Answer dup = post("/api/v0/sessions", "{\"name\":\"twice\",\"agents\":[\"reference\"]}");
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.error().get("code").asText()).isEqualTo("duplicate");
        assertThat(dup.error().get("message").asText()).contains("already exists");
    }

    @Test
    void theServersTimersRunAWaitingTimeoutWithNoOneWatching() {
        Answer a = post("/api/v0/sessions?wait=ready", "{\"name\":\"sleepy\",\"agents\":[\"reference\"],"
                + "\"waiting_timeout_seconds\":1}");
        assertThat(a.json().get("state").asText()).as(a.body()).isEqualTo("READY");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> get("/api/v0/sessions/sleepy").json().get("state").asText().equals("IDLE"));
        assertThat(get("/api/v0/sessions/sleepy").json().get("termination_reason").asText()).contains("waiting timeout");
    }

    @Test
    void eventsAreTheAuditTrail() {
        JsonNode s = ready("audited");
        Answer ev = get("/api/v0/sessions/audited/events");
        assertThat(ev.status()).isEqualTo(200);
        List<String> kinds = new ArrayList<>();
        ev.json().get("items").forEach(e -> kinds.add(e.get("to").asText()));
        assertThat(kinds).contains("READY");
        assertThat(ev.json().get("items").get(0).get("session_id").asText()).isEqualTo(s.get("id").asText());
    }

    private Request.Builder withIfMatch(String etag) {
        return new Request.Builder().header("Authorization", "Bearer " + token).header("If-Match", etag);
    }

    static List<String> names(Answer a) {
        List<String> out = new ArrayList<>();
        a.json().get("items").forEach(s -> out.add(s.get("name").asText()));
        return out;
    }
}
