package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 8: a batch of 12 rows with --parallel 4 on a background engine in its own process,
 * which is killed (kill -9) midway; the next engine goes on with it, and the batch ends with exactly
 * 12 result lines, never more than 4 of its sessions running at once (measured from every session's
 * audit trail: created until paused, failed or deleted).
 */
class BatchKillTest {
    /** Three times the parallelism: slots are freed and taken again on both sides of the kill. */
    private static final int ROWS = 12;

    @TempDir
    Path dataDir;

    @TempDir
    Path files;

    private final List<Process> engines = new ArrayList<>();

    @AfterEach
    void stopAll() {
        engines.forEach(Process::destroyForcibly);
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    /** The background engine, as a CLI command starts it, in a process of its own. */
    private Process startEngine() throws IOException {
        Path log = files.resolve("engine-" + engines.size() + ".out");
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BackgroundEngineMain.class.getName(), dataDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("PILOTHOUSE_ENGINE_IDLE_SECONDS", "600");
        Process p = b.start();
        engines.add(p);
        await().atMost(Duration.ofSeconds(60)).until(() -> endpointPid().filter(pid -> pid == p.pid()).isPresent());
        return p;
    }

    private Optional<Long> endpointPid() {
        Path f = dataDir.resolve("engine.endpoint");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (var r = Files.newBufferedReader(f)) {
            props.load(r);
            return Optional.of(Long.parseLong(props.getProperty("pid")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private CliRunner.Result ok(CliRunner cli, String... args) {
        CliRunner.Result r = cli.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    private JsonNode batch(CliRunner cli, String id) {
        return Json.parse(ok(cli, "batch", "show", id, "-o", "json").out());
    }

    @Test
    void twelveRowsFourAtOnceSurviveAKillOfTheEngineAndEndWithTwelveResultLines() throws Exception {
        Process first = startEngine();
        CliRunner cli = new CliRunner(dataDir);
        Path template = files.resolve("slow.yaml");
        Files.writeString(template, "apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: slow\nspec:\n  agents:\n"
                + "    - name: reference\n  starting_prompt: '$ sleep 1; echo row {{n}}'\n  parameters:\n    - name: n\n");
        ok(cli, "templates", "apply", "-f", template.toString());
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= ROWS; i++) {
            rows.append("{\"n\": ").append(i).append("}\n");
        }
        Path inputs = files.resolve("inputs.jsonl");
        Files.writeString(inputs, rows);
        String id = ok(cli, "batch", "run", "--template", "slow", "--inputs", inputs.toString(), "--parallel", "4",
                "--detach").out().strip();

        // midway: some rows done, some running
        await().atMost(Duration.ofSeconds(120)).until(() -> batch(cli, id).get("counts").get("done").asInt() >= 3);
        first.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !first.isAlive());
        JsonNode atKill = Json.parse(cli.run("batch", "show", id, "-o", "json").out()); // read by an engine of its own
        assertThat(atKill.get("counts").get("done").asInt()).as("killed midway").isBetween(3, ROWS - 1);

        startEngine(); // goes on with the batch by itself
        await().atMost(Duration.ofSeconds(180)).until(() -> batch(cli, id).get("status").asText().equals("done"));
        Path out = files.resolve("results.jsonl");
        CliRunner.Result followed = ok(cli, "batch", "resume", id, "--out", out.toString());
        assertThat(followed.out()).contains(ROWS + " done, 0 failed");

        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(ROWS);
        Set<Integer> seen = new HashSet<>();
        for (String line : lines) {
            JsonNode l = Json.parse(line);
            int row = l.get("row").asInt();
            seen.add(row);
            assertThat(l.get("status").asText()).isEqualTo("done");
            assertThat(l.get("result").asText()).startsWith("row " + row + "\n");
        }
        assertThat(seen).hasSize(ROWS);
        assertThat(ok(cli, "batch", "show", id, "--results").out().lines()).hasSize(ROWS);

        assertThat(mostRunningAtOnce(cli)).as("sessions running at once, over both engines").isBetween(2, 4);
    }

    /** From every session's audit trail: running from its creation until it was paused, failed or deleted. */
    private int mostRunningAtOnce(CliRunner cli) {
        List<long[]> spans = new ArrayList<>();
        for (JsonNode s : Json.parse(ok(cli, "sessions", "list", "--all", "-o", "json").out())) {
            Instant start = null;
            Instant end = null;
            for (JsonNode e : Json.parse(ok(cli, "sessions", "events", s.get("id").asText(), "-o", "json").out())) {
                Instant at = Instant.parse(e.get("at").asText());
                String kind = e.get("kind").asText();
                String to = e.path("to").asText("");
                if (kind.equals("created")) {
                    start = at;
                } else if (end == null && (kind.equals("deleted") || to.equals("IDLE") || to.equals("ERROR"))) {
                    end = at;
                }
            }
            assertThat(start).as("session %s was created", s.get("name")).isNotNull();
            assertThat(end).as("session %s no longer runs", s.get("name")).isNotNull();
            spans.add(new long[]{toMicros(start), toMicros(end)});
        }
        List<long[]> edges = new ArrayList<>();
        spans.forEach(sp -> {
            edges.add(new long[]{sp[0], 1});
            edges.add(new long[]{sp[1], -1});
        });
        // at the same instant an end comes before a start: a slot freed is taken after it was freed
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int most = 0;
        for (long[] e : edges) {
            now += (int) e[1];
            most = Math.max(most, now);
        }
        return most;
    }

    private static long toMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }
}
