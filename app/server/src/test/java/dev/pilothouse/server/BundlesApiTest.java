package dev.pilothouse.server;

import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** A session exported as a bundle over HTTP and imported back as a new one; a broken bundle makes nothing. */
class BundlesApiTest extends ApiTestBase {

    @Override
    ServerOptions options() {
        return super.options().withLimits(4 * 1024, 100_000); // a bundle is bigger than any JSON body allowed here
    }

    @Test
    void aBundleRoundTripsOverHttpAndABrokenOneIsRefused() throws IOException {
        String id = ready("source").get("id").asText();
        assertThat(post("/api/v0/sessions/source/messages", "{\"content\":\"$ echo hello > kept.txt && echo ok\"}").status())
                .isEqualTo(200);
        byte[] noise = new byte[64 * 1024]; // does not compress: the bundle is larger than the JSON limit
        new java.util.Random(5).nextBytes(noise);
        Files.write(Path.of(engine.volumeLocation(engine.session(id))).resolve("big.bin"), noise);

        byte[] bundle;
        try (Response r = http.newCall(new Request.Builder().header("Authorization", "Bearer " + token)
                .url(url("/api/v0/sessions/source/export?workspace=true")).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"source.bundle.tar.gz\"");
            bundle = r.body().bytes();
        }
        assertThat(bundle.length).isGreaterThan(4 * 1024);

        Answer made = upload("/api/v0/sessions/import?name=again", bundle);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.header("Location")).isEqualTo("/api/v0/sessions/" + made.json().get("id").asText());
        String copy = made.json().get("id").asText();
        Path ws = Path.of(engine.volumeLocation(engine.session(copy)));
        assertThat(Files.readString(ws.resolve("kept.txt"))).isEqualTo("hello\n");
        assertThat(Files.readAllBytes(ws.resolve("big.bin"))).isEqualTo(noise);
        assertThat(get("/api/v0/sessions/again/messages/count").json().get("count").asInt()).isEqualTo(2);

        Answer cut = upload("/api/v0/sessions/import?name=half", Arrays.copyOf(bundle, bundle.length / 2));
        assertThat(cut.status()).isEqualTo(400);
        assertThat(cut.error().get("message").asText()).contains("nothing was imported");
        assertThat(get("/api/v0/sessions/half").status()).isEqualTo(404);
        Answer taken = upload("/api/v0/sessions/import?name=again", bundle);
        assertThat(taken.status()).isEqualTo(409);
        assertThat(engine.sessions(true)).hasSize(2);
    }

    private Answer upload(String path, byte[] body) {
        Request r = new Request.Builder().header("Authorization", "Bearer " + token).url(url(path))
                .post(RequestBody.create(body, MediaType.get("application/gzip"))).build();
        try (Response resp = http.newCall(r).execute()) {
            return new Answer(resp.code(), resp.headers(), resp.body().string());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
