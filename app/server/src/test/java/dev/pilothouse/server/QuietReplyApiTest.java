package dev.pilothouse.server;

import dev.pilothouse.json.Json;
import dev.pilothouse.session.SessionState;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A streamed reply whose agent is silent for a while still gets its headers soon (then keep-alives),
 * so a client or proxy does not take it for a dead request; a send refused at once stays a plain error.
 */
class QuietReplyApiTest extends ApiTestBase {
    @Test
    void aQuietReplysStreamBeginsBeforeItsFirstEvent() throws Exception {
        String id = ready("quiet").get("id").asText();
        Request send = new Request.Builder().url(url("/api/v0/sessions/quiet/messages"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/x-ndjson")
                .post(RequestBody.create("{\"content\":\"$ sleep 4; touch woke; echo woke\"}", JSON)).build();
        try (Response r = http.newCall(send).execute()) {
            // the headers are here while the agent still sleeps: it has not reached its output (the file) yet
            assertThat(dataDir.resolve("sessions").resolve(id).resolve("workspace").resolve("woke")).doesNotExist();
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("application/x-ndjson");
            assertThat(engine.session(id).state()).isEqualTo(SessionState.BUSY);
            List<String> events = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(r.body().charStream())) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        events.add(Json.parse(line).get("event").asText());
                    }
                }
            }
            assertThat(events).contains("tool_output").last().isEqualTo("done");
        }
    }

    @Test
    void aSendRefusedAtOnceIsStillAPlainErrorAnswer() {
        ready("paused");
        assertThat(put("/api/v0/sessions/paused/state", "{\"state\":\"IDLE\"}").status()).isEqualTo(200);
        assertThat(delete("/api/v0/sessions/paused").status()).isEqualTo(200);
        Answer a = call(new Request.Builder().header("Authorization", "Bearer " + token).header("Accept", "text/event-stream"),
                "POST", "/api/v0/sessions/paused/messages", "{\"content\":\"hello\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(409);
        assertThat(a.header("Content-Type")).startsWith("application/json");
        assertThat(a.error().get("code").asText()).isEqualTo("wrong_state");
    }
}
