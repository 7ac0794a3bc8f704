package dev.pilothouse.server;

import okhttp3.Request;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Item 6: every request but the health check needs a token; read-only tokens only read; rate limits. */
class AuthApiTest extends ApiTestBase {

    @Override
    ServerOptions options() {
        return super.options().withLimits(64 * 1024, 20);
    }

    @Test
    void healthNeedsNoTokenEverythingElseDoes() {
        Answer health = call(new Request.Builder(), "GET", "/api/v0/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");

        Answer none = call(new Request.Builder(), "GET", "/api/v0/version", null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.error().get("code").asText()).isEqualTo("unauthorized");
        assertThat(none.error().get("message").asText()).contains("Authorization: Bearer").contains("tokens create");

        Answer wrong = call(new Request.Builder().header("Authorization", "Bearer " + token.substring(0, token.length() - 2) + "xx"),
                "GET", "/api/v0/version", null);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error().get("message").asText()).contains("not known");

        Answer malformed = call(new Request.Builder().header("Authorization", "Bearer hunter2"), "GET", "/api/v0/version", null);
        assertThat(malformed.status()).isEqualTo(401);
        assertThat(malformed.error().get("message").asText()).contains("malformed");

        Answer basic = call(new Request.Builder().header("Authorization", "Basic YTpi"), "GET", "/api/v0/version", null);
        assertThat(basic.status()).isEqualTo(401);

        Answer ok = get("/api/v0/version");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("api").asText()).isEqualTo("v0");
        // refused requests are not left counted as in flight (a stop would wait for them)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 0);
    }

    @Test
    void aRevokedTokenIsRefusedAndTheStoreHoldsNoSecret() throws Exception {
        String other = engine.tokens().create("script", false, null, "operator").secret();
        assertThat(call(bearer(other), "GET", "/api/v0/agents", null).status()).isEqualTo(200);
        engine.tokens().revoke("script");
        Answer after = call(bearer(other), "GET", "/api/v0/agents", null);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.error().get("message").asText()).contains("token 'script' was revoked");
        // the secret part of the token is nowhere in the store file
        String secret = other.substring("ph_".length() + 32 + 1); // ph_<32 hex id>_<secret>; the secret may hold '_'
        assertThat(secret).hasSize(43);
        engine.close();
        byte[] store = java.nio.file.Files.readAllBytes(dataDir.resolve(dev.pilothouse.store.Store.FILE));
        assertThat(new String(store, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(secret);
    }

    @Test
    void anExpiredTokenIsRefused() {
        String soon = engine.tokens().create("brief", false, Duration.ofMillis(1), "operator").secret();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> call(bearer(soon), "GET", "/api/v0/agents", null).status() == 401);
        assertThat(call(bearer(soon), "GET", "/api/v0/agents", null).error().get("message").asText())
                .contains("token 'brief' expired at");
    }

    @Test
    void aReadOnlyTokenReadsButCannotWrite() {
        String reader = engine.tokens().create("dashboard", true, null, "operator").secret();
        assertThat(call(bearer(reader), "GET", "/api/v0/sessions", null).status()).isEqualTo(200);
        Answer write = call(bearer(reader), "POST", "/api/v0/sessions", "{\"agents\":[\"reference\"]}");
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.error().get("message").asText()).contains("read-only");
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void overTheRateLimitIs429WithRetryAfter() {
        Answer last = null;
        for (int i = 0; i < 25 && (last == null || last.status() != 429); i++) {
            last = get("/api/v0/agents");
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(Long.parseLong(last.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(last.error().get("message").asText()).contains("20 requests a minute");
    }

    @Test
    void anOversizedBodyIs413WithTheLimit() {
        String big = "{\"name\":\"x\",\"starting_prompt\":\"" + "a".repeat(70 * 1024) + "\",\"agents\":[\"reference\"]}";
        Answer a = post("/api/v0/sessions", big);
        assertThat(a.status()).isEqualTo(413);
        assertThat(a.error().get("message").asText()).contains("65536 bytes");
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void aNonLoopbackListenNeedsTlsOrInsecure() {
        assertThatThrownBy(() -> ServerOptions.listen("0.0.0.0:0").check()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tls-cert").hasMessageContaining("--insecure");
        ServerOptions.listen("0.0.0.0:0").withInsecure(true).check();
        ServerOptions.listen("127.0.0.1:7780").check();
        assertThatThrownBy(() -> ServerOptions.listen("localhost:http")).hasMessageContaining("not a number");
    }

    private static Request.Builder bearer(String t) {
        return new Request.Builder().header("Authorization", "Bearer " + t);
    }
}
