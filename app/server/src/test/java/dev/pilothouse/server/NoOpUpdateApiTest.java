package dev.pilothouse.server;

import okhttp3.Request;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A PUT that changes nothing writes nothing: the version (ETag) stays, so others' If-Match still holds. */
class NoOpUpdateApiTest extends ApiTestBase {
    @Test
    void aPutThatChangesNothingKeepsTheVersionAndOthersIfMatchStillHolds() {
        ready("same");
        Answer first = put("/api/v0/sessions/same", "{\"metadata\":{\"n\":\"1\",\"b\":\"true\"},\"ttl_seconds\":3600}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String etag = first.header("ETag");
        long version = first.json().get("version").asLong();
        int events = get("/api/v0/sessions/same/events").json().get("items").size();

        for (int i = 0; i < 2; i++) {
            Answer again = put("/api/v0/sessions/same", "{\"metadata\":{\"n\":\"1\",\"b\":\"true\"},\"ttl_seconds\":3600}");
            assertThat(again.status()).as(again.body()).isEqualTo(200);
            assertThat(again.json().get("version").asLong()).isEqualTo(version);
            assertThat(again.header("ETag")).isEqualTo(etag);
        }
        Answer withEtag = call(new Request.Builder().header("Authorization", "Bearer " + token).header("If-Match", etag),
                "PUT", "/api/v0/sessions/same", "{\"metadata\":{\"n\":\"1\",\"b\":\"true\"}}");
        assertThat(withEtag.status()).as(withEtag.body()).isEqualTo(200);
        assertThat(get("/api/v0/sessions/same/events").json().get("items")).hasSize(events);

        // a real change still writes a new version, and the old ETag is then stale
        Answer changed = put("/api/v0/sessions/same", "{\"metadata\":{\"n\":\"2\"}}");
        assertThat(changed.json().get("version").asLong()).isGreaterThan(version);
        Answer stale = call(new Request.Builder().header("Authorization", "Bearer " + token).header("If-Match", etag),
                "PUT", "/api/v0/sessions/same", "{\"metadata\":{\"n\":\"3\"}}");
        assertThat(stale.status()).isEqualTo(412);
    }

    @Test
    void resourcesSentBackAsReadOrAsTheSameAmountChangeNothing() {
        ready("sized");
        Answer cpu = put("/api/v0/sessions/sized", "{\"resources\":{\"cpu\":\"2\"}}");
        assertThat(cpu.status()).as(cpu.body()).isEqualTo(200);
        long version = cpu.json().get("version").asLong();
        String read = get("/api/v0/sessions/sized").json().get("resources").toString(); // storage included
        Answer same = put("/api/v0/sessions/sized", "{\"resources\":" + read + "}");
        assertThat(same.status()).as(same.body()).isEqualTo(200);
        assertThat(same.json().get("version").asLong()).isEqualTo(version);
        Answer millis = put("/api/v0/sessions/sized", "{\"resources\":{\"cpu\":\"2000m\"}}");
        assertThat(millis.json().get("version").asLong()).isEqualTo(version);
        assertThat(millis.json().get("resources").get("cpu").asText()).isEqualTo("2");

        Answer bigger = put("/api/v0/sessions/sized", "{\"resources\":{\"storage\":\"500Gi\"}}");
        assertThat(bigger.status()).isEqualTo(400);
        assertThat(bigger.error().get("field").asText()).isEqualTo("resources.storage");
        assertThat(bigger.error().get("message").asText()).contains("storage cannot change");
    }
}
