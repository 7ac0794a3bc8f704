package dev.pilothouse.server;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request body that stops arriving half-way is answered, once the server's idle timeout passes,
 * with a 408 in the one error shape. The timeout is shortened here so the test does not wait 30 s.
 */
class StalledBodyApiTest extends ApiTestBase {
    @Override
    ServerOptions options() {
        return super.options().withIdleTimeout(Duration.ofSeconds(1));
    }

    @Test
    void aStalledBodyIs408InTheOneErrorShape() throws Exception {
        URI u = URI.create(server.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"name\":\"st").getBytes(StandardCharsets.UTF_8));
            out.flush(); // and nothing more
            HttpEdgesApiTest.Raw a = HttpEdgesApiTest.readAnswer(s.getInputStream());
            assertThat(a.status()).as(a.headers() + " " + a.body()).isEqualTo(408);
            assertThat(a.headers().get("content-type")).startsWith("application/json");
            assertThat(a.error().get("code").asText()).isEqualTo("request_timeout");
            assertThat(a.headers().get("connection")).isEqualToIgnoringCase("close");
            assertThat(a.error().get("message").asText()).contains("did not arrive within 1 s").contains("Content-Length");
            assertThat(a.body()).doesNotContain("Exception");
        }
        assertThat(engine.sessions(true)).isEmpty();
    }
}
