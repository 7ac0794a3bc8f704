package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on a real data dir: an engine with the local runtime (agents are real reference
 * agent processes), the API on a free loopback port, and an OkHttp client with a token.
 */
abstract class ApiTestBase {
    static final MediaType JSON = MediaType.get("application/json");

    @TempDir
    Path dataDir;
    Engine engine;
    ApiServer server;
    OkHttpClient http;
    String token;

    ServerOptions options() {
        return ServerOptions.loopback(0).withGrace(Duration.ofSeconds(10));
    }

    @BeforeEach
    void startServer() {
        engine = Engine.open(EngineConfig.of(dataDir).withActor("operator").withBackground(true)
                .withStartTimeout(Duration.ofSeconds(90)));
        server = ApiServer.start(engine, options());
        token = engine.tokens().create("ci", false, null, "operator").secret();
        http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(120)).build();
    }

    @AfterEach
    void stopServer() {
        server.close();
        try (LocalRuntime runtime = new LocalRuntime(dataDir, 2000)) {
            runtime.volumes().forEach(runtime::stop);
        }
        engine.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    String url(String path) {
        return server.url() + path;
    }

    /** An answer: status, headers and the body read whole. */
    record Answer(int status, okhttp3.Headers headers, String body) {
        JsonNode json() {
            return Json.parse(body);
        }

        String header(String name) {
            return headers.get(name);
        }

        /** The error's code, message and field, as the one error shape gives them. */
        JsonNode error() {
            return json().get("error");
        }
    }

    Answer call(String method, String path, String body) {
        return call(new Request.Builder().header("Authorization", "Bearer " + token), method, path, body);
    }

    Answer call(Request.Builder b, String method, String path, String body) {
        RequestBody rb = body == null ? (method.equals("POST") || method.equals("PUT") ? RequestBody.create(new byte[0], null) : null)
                : RequestBody.create(body, JSON);
        try (Response r = http.newCall(b.url(url(path)).method(method, rb).build()).execute()) {
            return new Answer(r.code(), r.headers(), r.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Answer get(String path) {
        return call("GET", path, null);
    }

    Answer post(String path, String body) {
        return call("POST", path, body);
    }

    Answer put(String path, String body) {
        return call("PUT", path, body);
    }

    Answer delete(String path) {
        return call("DELETE", path, null);
    }

    /** Creates a session and waits until it is READY. */
    JsonNode ready(String name) {
        Answer a = post("/api/v0/sessions?wait=ready", "{\"name\":\"" + name + "\",\"agents\":[\"reference\"]}");
        org.assertj.core.api.Assertions.assertThat(a.status()).as(a.body()).isEqualTo(201);
        org.assertj.core.api.Assertions.assertThat(a.json().get("state").asText()).as(a.body()).isEqualTo("READY");
        return a.json();
    }
}
