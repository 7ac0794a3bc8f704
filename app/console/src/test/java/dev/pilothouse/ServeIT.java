package dev.pilothouse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, item 9: {@code pilothouse serve} as an operator runs it, through the real launcher in
 * its own process: a token from the CLI, the watch stream seeing what a separate CLI process did,
 * SIGTERM during a streamed reply, and the README's curl and Python examples run as written.
 */
class ServeIT {
    private static final Pattern URL = Pattern.compile("pilothouse serve: (http://127\\.0\\.0\\.1:\\d+)/api/v0");

    @TempDir
    Path dataDir;
    private final List<Process> processes = new ArrayList<>();
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(120)).build();
    private Process serve;
    private String url;
    private String token;

    private static Path launcher() {
        return Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse"), "bin", "pilothouse");
    }

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        processes.add(p);
        return p;
    }

    private record Done(int exit, String out, String err) {
    }

    private Done cli(String... args) throws Exception {
        Process p = start(args);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Done(p.exitValue(), out, err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @BeforeEach
    void serve() throws Exception {
        serve = start("serve", "--listen", "127.0.0.1:0");
        BufferedReader err = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> found = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    Matcher m = URL.matcher(line);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("serve ended without listening");
        });
        url = found.get(60, TimeUnit.SECONDS);
        CompletableFuture.runAsync(() -> read(serve.getErrorStream())); // keep draining
        Done t = cli("tokens", "create", "ci");
        assertThat(t.exit()).as(t.err()).isZero();
        token = t.out().strip();
        assertThat(token).startsWith("ph_");
        assertThat(t.err()).contains("not shown again");
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            p.waitFor(60, TimeUnit.SECONDS);
        }
        if (Files.exists(dataDir.resolve("engine.endpoint"))) {
            cli("engine", "stop");
        }
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
        http.dispatcher().executorService().shutdown();
    }

    private Request.Builder request(String path) {
        return new Request.Builder().url(url + path).header("Authorization", "Bearer " + token);
    }

    @Test
    void theWatchSeesASessionASeparateCliProcessCreated() throws Exception {
        List<JsonNode> changes = new CopyOnWriteArrayList<>();
        okhttp3.Call call = http.newCall(request("/api/v0/watch").build());
        Response watch = call.execute();
        CompletableFuture.runAsync(() -> {
            try (BufferedReader in = new BufferedReader(watch.body().charStream())) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        changes.add(Json.parse(line));
                    }
                }
            } catch (IOException closed) {
                // the test ended the stream
            }
        });
        try {
            Done created = cli("sessions", "create", "from-cli", "--agent", "reference");
            assertThat(created.exit()).as(created.err()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.stream().anyMatch(c -> c.get("event").asText().equals("change")
                    && c.get("data").get("name").asText().equals("from-cli") && c.get("data").get("state").asText().equals("READY")));
            // and the session's creator is the CLI's actor, not the token
            try (Response r = http.newCall(request("/api/v0/sessions/from-cli").build()).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
        } finally {
            call.cancel(); // the reading thread sees the stream end (closing it from here races that thread)
        }
    }

    @Test
    void sigtermDuringAStreamedReplyLetsItFinishAndLeavesTheAgentForTheNextEngine() throws Exception {
        try (Response r = http.newCall(request("/api/v0/sessions?wait=ready").post(RequestBody.create(
                "{\"name\":\"long\",\"agents\":[\"reference\"]}", MediaType.get("application/json"))).build()).execute()) {
            assertThat(r.code()).as(r.body().string()).isEqualTo(201);
        }
        Request send = request("/api/v0/sessions/long/messages").header("Accept", "application/x-ndjson")
                .post(RequestBody.create("{\"content\":\"$ echo begun; sleep 2; echo finished\"}",
                        MediaType.get("application/json"))).build();
        List<JsonNode> events = new ArrayList<>();
        try (Response r = http.newCall(send).execute(); BufferedReader in = new BufferedReader(r.body().charStream())) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode ev = Json.parse(line);
                if (events.isEmpty()) {
                    serve.destroy(); // SIGTERM, while the reply is still coming
                }
                events.add(ev);
            }
        }
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.exitValue()).isIn(0, 143);
        JsonNode done = events.get(events.size() - 1);
        assertThat(done.get("event").asText()).isEqualTo("done");
        assertThat(done.get("data").get("reply").get("content").asText()).contains("begun").contains("finished");
        assertThat(done.get("data").get("reply").get("status").asText()).isEqualTo("complete");

        // the agent kept running: the next engine (the CLI's background one) adopts it, READY at once
        Done shown = cli("sessions", "show", "long", "-o", "json");
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(Json.parse(shown.out()).get("state").asText()).isEqualTo("READY");
        Done sent = cli("sessions", "send", "long", "$ echo still here");
        assertThat(sent.out()).contains("still here");
    }

    @Test
    void theReadmesCurlAndPythonExamplesRunAsWritten() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("pilothouse.root.dir", "../.."), "README.md"));
        String curl = block(readme, "curl", "bash");
        String python = block(readme, "python", "python");

        Done c = run(List.of("bash", "-euo", "pipefail", "-c", curl));
        assertThat(c.exit()).as(c.out() + c.err()).isZero();
        assertThat(c.out()).contains("hello from curl").contains("event: done").contains("\"state\":\"IDLE\"");

        Done p = run(List.of("python3", "-c", python));
        assertThat(p.exit()).as(p.out() + p.err()).isZero();
        assertThat(p.out()).contains("201 READY /api/v0/sessions/").contains("hello from python")
                .contains("remixed into py-demo-2");
    }

    /** The fenced block of {@code lang} after the README's {@code <!-- example: NAME -->} marker. */
    private static String block(String readme, String name, String lang) {
        Matcher m = Pattern.compile("<!-- example: " + name + " -->\\s*```" + lang + "\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README example '" + name + "'").isTrue();
        return m.group(1);
    }

    private Done run(List<String> cmd) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("PILOTHOUSE_URL", url);
        b.environment().put("PILOTHOUSE_TOKEN", token);
        Process p = b.start();
        processes.add(p);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Done(p.exitValue(), out, err.get());
    }
}
