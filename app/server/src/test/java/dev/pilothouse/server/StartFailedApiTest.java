package dev.pilothouse.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ?wait=ready} on a session that fails to start: an error answer a script notices, naming the session. */
class StartFailedApiTest extends ApiTestBase {
    @Test
    void aStartThatFailsAnswers502WithTheReasonAndWhereTheSessionIs() {
        assertThat(post("/api/v0/agents", "{\"name\":\"broken\",\"command\":[\"/bin/false\"]}").status()).isEqualTo(201);
        Answer a = post("/api/v0/sessions?wait=ready", "{\"name\":\"brk\",\"agents\":[\"broken\"]}");
        assertThat(a.status()).as(a.body()).isEqualTo(502);
        assertThat(a.error().get("code").asText()).isEqualTo("start_failed");
        assertThat(a.error().get("message").asText()).startsWith("session 'brk' failed to start: ").contains("retries it");
        String location = a.header("Location");
        assertThat(location).startsWith("/api/v0/sessions/");
        Answer shown = get(location);
        assertThat(shown.json().get("state").asText()).isEqualTo("ERROR");
        assertThat(a.error().get("message").asText()).contains(shown.json().get("termination_reason").asText());

        // without ?wait=ready the answer is the created session, as before
        assertThat(post("/api/v0/sessions", "{\"name\":\"brk2\",\"agents\":[\"broken\"]}").status()).isEqualTo(201);
    }
}
