package dev.pilothouse.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP at its edges: what Jetty answers before Javalin, bodies the server cannot read, HEAD, 405's
 * Allow, a 413 on a keep-alive connection, and content negotiation. Several requests go over a raw
 * socket, as no well-behaved client would send them.
 */
class HttpEdgesApiTest extends ApiTestBase {
    static final long BODY_LIMIT = 16 * 1024;

    @Override
    ServerOptions options() {
        return super.options().withLimits(BODY_LIMIT, 100_000);
    }

    /** A raw answer: status, headers (names in lower case) and body. */
    record Raw(int status, Map<String, String> headers, String body) {
        JsonNode error() {
            return Json.parse(body).get("error");
        }
    }

    /** Sends {@code request} as it is and reads one answer. */
    Raw raw(String request) {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    Raw raw(byte[] request) {
        URI u = URI.create(server.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return readAnswer(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Raw readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended within the headers: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip(),
                    (a, b) -> a + ", " + b);
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Raw(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private String auth() {
        return "Authorization: Bearer " + token + "\r\n";
    }

    // ---- 1: bodies the server cannot read are bad input, not a 500 ---------------------------

    @Test
    void aBodyInAnUnknownCharsetIs415NamingItAndUtf8() {
        try (Response r = http.newCall(new Request.Builder().url(url("/api/v0/sessions")).header("Authorization", "Bearer " + token)
                .post(okhttp3.RequestBody.create("{}".getBytes(StandardCharsets.UTF_8), null))
                .header("Content-Type", "application/json; charset=bogus").build()).execute()) {
            assertThat(r.code()).isEqualTo(415);
            JsonNode error = Json.parse(r.body().string()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("unsupported_media_type");
            assertThat(error.get("message").asText()).contains("'bogus'").contains("UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void aMalformedChunkedBodyIs400AndNoErrorIsLogged() {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            Raw a = raw("POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth()
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n");
            assertThat(a.status()).as(a.body()).isEqualTo(400);
            assertThat(a.headers().get("content-type")).startsWith("application/json");
            assertThat(a.error().get("code").asText()).isEqualTo("bad_request");
            assertThat(a.error().get("message").asText()).contains("body");
            assertThat(a.body()).doesNotContain("Exception");
        } finally {
            root.detachAppender(logged);
        }
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(engine.sessions(true)).isEmpty();
    }

    // ---- 2: what Jetty answers itself has the one error shape --------------------------------

    @Test
    void requestsJettyRefusesGetTheOneErrorShape() {
        String longQuery = "x=" + "a".repeat(70 * 1024);
        String bigHeader = "X-Big: " + "b".repeat(70 * 1024) + "\r\n";
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("a NUL in the path", new Object[] {"GET /api/v0/sessions/ab%00 HTTP/1.1\r\nHost: localhost\r\n" + auth() + "\r\n",
                400, "bad_request"});
        cases.put("a query over the limit", new Object[] {"GET /api/v0/sessions?" + longQuery + " HTTP/1.1\r\nHost: localhost\r\n"
                + auth() + "\r\n", 414, "uri_too_long"});
        cases.put("a header over the limit", new Object[] {"GET /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth() + bigHeader
                + "\r\n", 431, "headers_too_large"});
        cases.put("a Content-Length not a number", new Object[] {"POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth()
                + "Content-Length: abc\r\n\r\n{}", 400, "bad_request"});
        cases.put("a bad percent escape", new Object[] {"GET /api/v0/sessions/%zz HTTP/1.1\r\nHost: localhost\r\n" + auth() + "\r\n",
                400, "bad_request"});
        cases.put("a backslash in the path", new Object[] {"GET /api/v0/sessions/a\\b HTTP/1.1\r\nHost: localhost\r\n" + auth()
                + "\r\n", 400, "bad_request"});
        cases.put("no Host", new Object[] {"GET /api/v0/sessions HTTP/1.1\r\n" + auth() + "\r\n", 400, "bad_request"});
        cases.put("an illegal method character", new Object[] {"G(T /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth()
                + "\r\n", 400, "bad_request"});
        cases.forEach((what, c) -> {
            Raw a = raw((String) c[0]);
            assertThat(a.status()).as(what + ": " + a.body()).isEqualTo(c[1]);
            assertThat(a.headers().get("content-type")).as(what).startsWith("application/json");
            assertThat(a.error().get("code").asText()).as(what).isEqualTo(c[2]);
            assertThat(a.error().get("message").asText()).as(what).isNotBlank().doesNotContain("<");
            assertThat(a.error().has("field")).as(what).isTrue();
        });
    }

    // ---- 3: 405 names the methods -----------------------------------------------------------

    @Test
    void a405CarriesAllowWithTheMethodsRoutedForThePath() {
        Answer a = call("PATCH", "/api/v0/sessions/anything", "{}");
        assertThat(a.status()).isEqualTo(405);
        assertThat(a.header("Allow")).isEqualTo("GET, HEAD, PUT, DELETE"); // HEAD: answered on every GET path
        assertThat(a.error().get("code").asText()).isEqualTo("method_not_allowed");
        assertThat(a.error().get("message").asText()).contains("PATCH").contains("GET, HEAD, PUT, DELETE");

        Answer list = call("DELETE", "/api/v0/sessions", null);
        assertThat(list.status()).isEqualTo(405);
        assertThat(list.header("Allow")).isEqualTo("GET, HEAD, POST");

        Answer postOnly = call("GET", "/api/v0/batches/anything/cancel", null);
        assertThat(postOnly.status()).isEqualTo(405);
        assertThat(postOnly.header("Allow")).isEqualTo("POST"); // no GET there, so no HEAD either
    }

    // ---- 4: HEAD is its GET without the body ------------------------------------------------

    @Test
    void headAnswersWithTheStatusAndHeadersItsGetWould() {
        OkHttpClient quick = http.newBuilder().callTimeout(Duration.ofSeconds(20)).build();
        for (String path : new String[] {"/api/v0/sessions/nosuch", "/api/v0/sessions?limit=abc", "/api/v0/sessions",
                "/api/v0/version"}) {
            Answer get = get(path);
            try (Response head = quick.newCall(new Request.Builder().url(url(path)).header("Authorization", "Bearer " + token)
                    .head().build()).execute()) {
                assertThat(head.code()).as(path).isEqualTo(get.status());
                assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
                assertThat(head.body().bytes()).as(path).isEmpty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // a stream is not opened for HEAD: the answer ends at once
        try (Response head = quick.newCall(new Request.Builder().url(url("/api/v0/watch"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").head().build()).execute()) {
            assertThat(head.code()).isEqualTo(200);
            assertThat(head.header("Content-Type")).startsWith("text/event-stream");
            assertThat(head.body().bytes()).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Answer watchHead = call("HEAD", "/api/v0/watch?since=-1", null);
        assertThat(watchHead.status()).isEqualTo(400);
    }

    // ---- 5: a 413 on a keep-alive connection -------------------------------------------------

    @Test
    void a413SaysTheConnectionClosesOrLeavesItUsable() throws Exception {
        // far over the limit, so that Jetty cannot drain the rest and must end the connection
        byte[] body = ("{\"name\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        URI u = URI.create(server.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            java.util.concurrent.CompletableFuture<Void> sending = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth()
                            + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.write(body);
                    out.flush();
                } catch (IOException stopped) {
                    // the server stopped reading: what it answered is read below
                }
            });
            Raw tooLarge = readAnswer(s.getInputStream());
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.error().get("code").asText()).isEqualTo("payload_too_large");
            sending.get(20, java.util.concurrent.TimeUnit.SECONDS);
            if (!"close".equalsIgnoreCase(tooLarge.headers().get("connection"))) {
                // not said to close: the connection must then take the next request
                out.write(("GET /api/v0/version HTTP/1.1\r\nHost: localhost\r\n" + auth() + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(readAnswer(s.getInputStream()).status()).isEqualTo(200);
            }
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeAny100Continue() throws Exception {
        URI u = URI.create(server.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            // only the head: a client that asked for 100-continue sends the body only once told to
            out.write(("POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth() + "Content-Type: application/json\r\n"
                    + "Content-Length: " + (BODY_LIMIT * 300) + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            Raw a = readAnswer(s.getInputStream());
            assertThat(a.status()).as(a.body()).isEqualTo(413);
            assertThat(a.headers().get("connection")).isEqualToIgnoringCase("close");
            assertThat(a.headers().get("content-type")).startsWith("application/json");
            assertThat(a.error().get("code").asText()).isEqualTo("payload_too_large");
            assertThat(a.error().get("message").asText()).contains(Long.toString(BODY_LIMIT));
        }
        // the same without Expect: refused from its Content-Length, the body not read
        Raw plain = raw("POST /api/v0/sessions HTTP/1.1\r\nHost: localhost\r\n" + auth() + "Content-Type: application/json\r\n"
                + "Content-Length: " + (BODY_LIMIT + 1) + "\r\n\r\n{");
        assertThat(plain.status()).as(plain.body()).isEqualTo(413);
        assertThat(plain.headers().get("connection")).isEqualToIgnoringCase("close");
        assertThat(engine.sessions(true)).isEmpty();
    }

    // ---- 6: content negotiation --------------------------------------------------------------

    private String watchType(String accept) {
        Request.Builder r = new Request.Builder().url(url("/api/v0/watch")).header("Authorization", "Bearer " + token);
        if (accept != null) {
            r.header("Accept", accept);
        }
        try (Response w = http.newCall(r.build()).execute()) {
            assertThat(w.code()).isEqualTo(200);
            return w.header("Content-Type");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theWatchsMediaTypeFollowsAcceptWithItsQValues() {
        assertThat(watchType("text/event-stream;q=0.1, application/json")).startsWith("application/x-ndjson");
        assertThat(watchType("application/x-ndjson;q=0.5, text/event-stream")).startsWith("text/event-stream");
        assertThat(watchType("text/event-stream;q=0")).startsWith("application/x-ndjson");
        assertThat(watchType("text/event-stream")).startsWith("text/event-stream");
        // NDJSON by default, as the document says (and the console's client asks for it by name)
        assertThat(watchType(null)).startsWith("application/x-ndjson");
        assertThat(watchType("*/*")).startsWith("application/x-ndjson");
    }

    private Answer postTyped(String type, String encoding, byte[] body) {
        Request.Builder r = new Request.Builder().url(url("/api/v0/sessions")).header("Authorization", "Bearer " + token)
                .post(okhttp3.RequestBody.create(body, MediaType.get(type)));
        if (encoding != null) {
            r.header("Content-Encoding", encoding);
        }
        try (Response a = http.newCall(r.build()).execute()) {
            return new Answer(a.code(), a.headers(), a.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void onlyJsonMediaTypesAreReadAsJson() {
        Answer jsonx = postTyped("application/jsonx", null, "{\"agents\":[\"ghost\"]}".getBytes(StandardCharsets.UTF_8));
        assertThat(jsonx.status()).isEqualTo(415);
        assertThat(jsonx.error().get("message").asText()).contains("application/jsonx").contains("application/json")
                .contains("+json");
        // a +json type is JSON: it is read (and here refused for its content, not its type)
        Answer plusJson = postTyped("application/merge-patch+json", null, "{\"agents\":[\"ghost\"]}".getBytes(StandardCharsets.UTF_8));
        assertThat(plusJson.status()).isEqualTo(400);
        assertThat(plusJson.error().get("field").asText()).isEqualTo("agents");
    }

    @Test
    void aContentEncodingIs415() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write("{}".getBytes(StandardCharsets.UTF_8));
        }
        Answer a = postTyped("application/json", "gzip", gz.toByteArray());
        assertThat(a.status()).isEqualTo(415);
        assertThat(a.error().get("code").asText()).isEqualTo("unsupported_media_type");
        assertThat(a.error().get("message").asText()).contains("gzip").contains("not accepted");
        assertThat(engine.sessions(true)).isEmpty();
        assertThat(postTyped("application/json", "identity", "{\"agents\":[\"ghost\"]}".getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(400);
    }

    @Test
    void aNegativeLastEventIdIs400LikeAnyOtherThatIsNotAChangeNumber() {
        OkHttpClient quick = http.newBuilder().callTimeout(Duration.ofSeconds(20)).build(); // a stream opened would not end
        for (String id : new String[] {"-5", "garbage", "+3"}) {
            try (Response a = quick.newCall(new Request.Builder().url(url("/api/v0/watch")).header("Authorization", "Bearer " + token)
                    .header("Last-Event-ID", id).build()).execute()) {
                assertThat(a.code()).as(id).isEqualTo(400);
                assertThat(Json.parse(a.body().string()).get("error").get("message").asText()).as(id).contains("'" + id + "'");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
