package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14, item 2 through the REST API: guardrails in the session's JSON, and the statuses of a refused message. */
class GuardrailApiTest extends ApiTestBase {
    private JsonNode guarded(String name, String... guardrails) {
        StringBuilder g = new StringBuilder();
        for (String s : guardrails) {
            g.append(g.length() == 0 ? "" : ",").append('"').append(s).append('"');
        }
        Answer a = post("/api/v0/sessions?wait=ready", "{\"name\":\"" + name + "\",\"agents\":[\"reference\"],"
                + "\"guardrails\":[" + g + "]}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.json();
    }

    @Test
    void guardrailsAreStoredCanonicalAndShownAndABadOneIsA400OnTheField() {
        JsonNode s = guarded("canon", "no-pii-exposure:action=redact", "max-message-size");
        assertThat(s.get("guardrails").toString())
                .isEqualTo("[\"no-pii-exposure:action=redact,kinds=all\",\"max-message-size:chars=100000\"]");
        assertThat(get("/api/v0/sessions/canon").json().get("guardrails")).isEqualTo(s.get("guardrails"));
        assertThat(get("/api/v0/sessions").json().toString()).contains("max-message-size:chars=100000");

        Answer bad = post("/api/v0/sessions", "{\"name\":\"bad\",\"agents\":[\"reference\"],\"guardrails\":[\"max-message-size:chars=0\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error().get("field").asText()).isEqualTo("guardrails");
        assertThat(bad.error().get("message").asText()).isEqualTo("max-message-size: chars=0 is out of range; chars is the "
                + "most characters a message may have, 1 to 10000000");
        Answer notList = post("/api/v0/sessions", "{\"name\":\"bad\",\"agents\":[\"reference\"],\"guardrails\":\"no-pii-exposure\"}");
        assertThat(notList.status()).isEqualTo(400);
        assertThat(get("/api/v0/sessions/bad").status()).isEqualTo(404);
    }

    @Test
    void aBlockedMessageIs422AndTheConversationMarksItWithoutItsText() {
        guarded("block", "no-pii-exposure");
        Answer a = post("/api/v0/sessions/block/messages", "{\"content\":\"call me on +44 20 7946 0958\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(422);
        assertThat(a.error().get("code").asText()).isEqualTo("guardrail_blocked");
        assertThat(a.error().get("field").asText()).isEqualTo("content");
        assertThat(a.error().get("message").asText()).startsWith("blocked by no-pii-exposure: nothing of this message was "
                + "sent to the agent; it holds phone at 1:12-1:27").doesNotContain("7946");
        // streamed: refused before any event, so an ordinary error answer too
        Answer streamed = call(new okhttp3.Request.Builder().header("Authorization", "Bearer " + token)
                .header("Accept", "application/x-ndjson"), "POST", "/api/v0/sessions/block/messages",
                "{\"content\":\"call me on +44 20 7946 0958\"}");
        assertThat(streamed.status()).isEqualTo(422);

        JsonNode items = get("/api/v0/sessions/block/messages").json().get("items");
        assertThat(items).hasSize(2);
        JsonNode m = items.get(0);
        assertThat(m.get("content").asText()).isEmpty();
        assertThat(m.get("status").asText()).isEqualTo("error");
        assertThat(m.get("guardrail").toString()).isEqualTo("{\"verdict\":\"blocked\",\"guardrail\":\"no-pii-exposure\","
                + "\"kinds\":[\"phone\"]}");
        String events = get("/api/v0/sessions/block/events").body();
        assertThat(events).contains("\"kind\":\"guardrail\"").contains("\"direction\":\"to-agent\"").doesNotContain("7946");
    }

    @Test
    void overTheRateA429WithRetryAfterAndOverTheSizeA413() {
        guarded("limited", "rate-limiting:session=1,session-burst=1,agent=off", "max-message-size:chars=40");
        Answer first = post("/api/v0/sessions/limited/messages", "{\"content\":\"$ echo one\"}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().at("/message/guardrail").isNull()).isTrue();

        Answer again = post("/api/v0/sessions/limited/messages", "{\"content\":\"$ echo two\"}");
        assertThat(again.status()).as(again.body()).isEqualTo(429);
        assertThat(again.error().get("code").asText()).isEqualTo("guardrail_rate_limited");
        assertThat(again.error().get("message").asText()).startsWith("refused by rate-limiting: too many messages: "
                + "rate-limiting allows 1 a minute to this session, 1 at once; retry in ");
        assertThat(Long.parseLong(again.header("Retry-After"))).isBetween(50L, 60L);

        Answer big = post("/api/v0/sessions/limited/messages", "{\"content\":\"$ echo " + "y".repeat(50) + "\"}");
        assertThat(big.status()).as(big.body()).isEqualTo(413);
        assertThat(big.error().get("code").asText()).isEqualTo("message_too_large");
        assertThat(big.error().get("message").asText()).isEqualTo("refused by max-message-size: the message is 57 "
                + "characters; max-message-size allows at most 40");
    }

    @Test
    void aRedactedReplyIsMarkedInTheExchange() {
        guarded("redact", "no-pii-exposure:action=redact,kinds=email");
        Answer a = post("/api/v0/sessions/redact/messages", "{\"content\":\"$ printf 'to dave\\\\100example.com\\\\n'\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().at("/reply/content").asText()).contains("to [REDACTED:email]").doesNotContain("dave@");
        assertThat(a.json().at("/reply/guardrail/verdict").asText()).isEqualTo("redacted");
        Answer streamed = call(new okhttp3.Request.Builder().header("Authorization", "Bearer " + token)
                .header("Accept", "application/x-ndjson"), "POST", "/api/v0/sessions/redact/messages",
                "{\"content\":\"$ printf 'to dave\\\\100example.com\\\\n'\"}");
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.body()).contains("[REDACTED:email]").doesNotContain("dave@");
    }
}
