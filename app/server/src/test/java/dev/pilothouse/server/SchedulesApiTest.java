package dev.pilothouse.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14 item 3 over the REST API: a session that starts later, and schedules with their errors. */
class SchedulesApiTest extends ApiTestBase {

    private static final String TEMPLATE = """
            {"apiVersion": "v1", "kind": "SessionTemplate", "metadata": {"name": "report"},
             "spec": {"agents": [{"name": "reference"}], "starting_prompt": "$ echo {{team}}",
                      "parameters": [{"name": "team"}]}}
            """;

    @Test
    void aSessionWithScheduledAtIsPendingAndAPutToReadyStartsItNow() {
        String at = Instant.now().plus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        Answer a = post("/api/v0/sessions?wait=ready", "{\"name\":\"later\",\"agents\":[\"reference\"],"
                + "\"scheduled_at\":\"" + at + "\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.json().get("state").asText()).isEqualTo("INIT");
        assertThat(a.json().get("phase").asText()).isEqualTo("PENDING");
        assertThat(a.json().get("scheduled_at").asText()).isEqualTo(at);

        a = post("/api/v0/sessions", "{\"name\":\"soon\",\"agents\":[\"reference\"],\"start_after_seconds\":600}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(Instant.parse(a.json().get("scheduled_at").asText())).isAfter(Instant.now().plusSeconds(590));

        a = put("/api/v0/sessions/later/state", "{\"state\":\"READY\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("state").asText()).isEqualTo("READY");

        a = delete("/api/v0/sessions/soon");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("termination_reason").asText()).startsWith("scheduled start cancelled");
    }

    @Test
    void badStartTimesAre400AndStoreNothing() {
        Answer a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"scheduled_at\":\"2020-01-01T00:00:00Z\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("field").asText()).isEqualTo("scheduled_at");
        assertThat(a.error().get("message").asText()).contains("is in the past");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"scheduled_at\":\"noon\"}");
        assertThat(a.status()).isEqualTo(400);
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"start_after_seconds\":0}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("field").asText()).isEqualTo("start_after_seconds");
        a = post("/api/v0/sessions", "{\"name\":\"x\",\"agents\":[\"reference\"],\"start_after_seconds\":60,"
                + "\"scheduled_at\":\"2099-01-01T00:00:00Z\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void schedulesAreCreatedReadPausedAndDeleted() {
        assertThat(post("/api/v0/templates", TEMPLATE).status()).isEqualTo(201);
        Answer a = post("/api/v0/schedules", "{\"name\":\"never\",\"template\":\"report\",\"parameters\":{\"team\":\"a\"},"
                + "\"cron\":\"0 0 30 2 *\"}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error().get("field").asText()).isEqualTo("cron");
        assertThat(a.error().get("message").asText()).contains("never fires");
        assertThat(get("/api/v0/schedules").json().get("items")).isEmpty();

        a = post("/api/v0/schedules", "{\"name\":\"nightly\",\"template\":\"report\",\"parameters\":{\"team\":\"a\"},"
                + "\"cron\":\"0 2 * * *\",\"timezone\":\"Europe/Berlin\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.header("Location")).isEqualTo("/api/v0/schedules/nightly");
        assertThat(a.json().get("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(a.json().get("description").asText()).isEqualTo("at 02:00");
        a = post("/api/v0/schedules", "{\"name\":\"nightly\",\"template\":\"report\",\"parameters\":{\"team\":\"a\"},"
                + "\"cron\":\"0 3 * * *\"}");
        assertThat(a.status()).isEqualTo(409);

        a = put("/api/v0/schedules/nightly", "{\"paused\":true}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("paused").asBoolean()).isTrue();
        assertThat(a.json().get("next_due_at").isNull()).isTrue();
        assertThat(put("/api/v0/schedules/nightly", "{\"paused\":true}").status()).isEqualTo(409);
        a = put("/api/v0/schedules/nightly", "{\"paused\":false}");
        assertThat(a.json().get("next_due_at").isNull()).isFalse();
        assertThat(get("/api/v0/schedules/nightly").json().get("missed_runs").asInt()).isZero();
        assertThat(delete("/api/v0/schedules/nightly").status()).isEqualTo(200);
        assertThat(get("/api/v0/schedules/nightly").status()).isEqualTo(404);
    }
}
