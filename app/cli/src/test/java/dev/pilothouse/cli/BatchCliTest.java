package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 items 4, 5 and 7 through the CLI: `batch run` from JSON lines and CSV with its results
 * file, a pipeline, `batch list|show|cancel|resume`, and every kind of bad input refused with exit
 * 2 and nothing stored.
 */
class BatchCliTest {
    @TempDir
    Path dataDir;

    @TempDir
    Path files;

    private CliRunner cli;

    @BeforeEach
    void templates() throws Exception {
        cli = new CliRunner(dataDir);
        apply("echo", "$ echo row {{n}} > out.txt; cat out.txt", "n");
        apply("shout", "$ tr a-z A-Z < out.txt");
    }

    @AfterEach
    void stopAgents() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    private void apply(String name, String prompt, String... params) throws Exception {
        StringBuilder y = new StringBuilder("apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: " + name
                + "\nspec:\n  agents:\n    - name: reference\n  starting_prompt: '" + prompt + "'\n");
        if (params.length > 0) {
            y.append("  parameters:\n");
            for (String p : params) {
                y.append("    - name: ").append(p).append('\n');
            }
        }
        Path f = files.resolve(name + ".yaml");
        Files.writeString(f, y.toString());
        assertThat(cli.run("templates", "apply", "-f", f.toString()).exit()).isZero();
    }

    private Path file(String name, String text) throws Exception {
        Path f = files.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aBatchFromJsonLinesRunsEveryRowAndWritesOneResultLineEach() throws Exception {
        Path inputs = file("in.jsonl", "{\"n\": 1}\n{\"n\": \"2\"}\n\n{\"n\": 3}\n");
        Path out = files.resolve("results.jsonl");
        CliRunner.Result r = cli.run("batch", "run", "--template", "echo", "--inputs", inputs.toString(), "--parallel", "2",
                "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("3 rows, at most 2 at once").contains("Ctrl+C stops following and leaves it running")
                .contains("3/3 done").contains("results in " + out);
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode l = Json.parse(lines.get(i));
            assertThat(l.get("row").asInt()).isEqualTo(i + 1);
            assertThat(l.get("input").get("n").asText()).isEqualTo(Integer.toString(i + 1));
            assertThat(l.get("status").asText()).isEqualTo("done");
            assertThat(l.get("result").asText()).startsWith("row " + (i + 1) + "\n");
            assertThat(l.get("session_id").asText()).isNotEmpty();
        }
        String id = Json.parse(cli.run("batch", "list", "-o", "json").out()).get(0).get("id").asText();
        assertThat(cli.run("batch", "list").out()).contains(id).contains("DONE").contains("3/3");
        assertThat(cli.run("batch", "show", id, "--results").out().lines()).hasSize(3);
        JsonNode shown = Json.parse(cli.run("batch", "show", id, "-o", "json").out());
        assertThat(shown.get("status").asText()).isEqualTo("done");
        assertThat(shown.get("counts").get("done").asInt()).isEqualTo(3);
        assertThat(shown.get("rows")).hasSize(3);
        assertThat(cli.run("batch", "cancel", id).err()).contains("batch " + id + " is done; only a running batch can be cancelled");
    }

    @Test
    void aCsvPipelineCollectsTheLastStagesFile() throws Exception {
        Path inputs = file("in.csv", "n\n7\n8\n");
        Path out = files.resolve("results.jsonl");
        CliRunner.Result r = cli.run("batch", "run", "--template", "echo", "--then", "shout", "--inputs", inputs.toString(),
                "--parallel", "2", "--collect", "out.txt", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        JsonNode first = Json.parse(lines.get(0));
        assertThat(first.get("result").asText()).isEqualTo("row 7\n"); // collected from the workspace, copied to stage 2
        assertThat(first.get("stages")).hasSize(2);
        String stage1 = first.get("stages").get(0).get("session").asText();
        String stage2 = first.get("stages").get(1).get("session").asText();
        JsonNode child = Json.parse(cli.run("sessions", "show", stage2, "-o", "json").out());
        assertThat(child.get("parent_session_id").asText()).isEqualTo(first.get("stages").get(0).get("session_id").asText());
        assertThat(Json.parse(cli.run("sessions", "show", stage1, "-o", "json").out()).get("state").asText()).isEqualTo("IDLE");
    }

    @Test
    void badInputExitsTwoNamingWhatIsWrongAndStoresNothing() throws Exception {
        Path good = file("good.jsonl", "{\"n\": 1}\n");
        expectBad("line 3 is not valid JSON", "--inputs", file("broken.jsonl", "{\"n\": 1}\n{\"n\": 2}\n{\"n\": \n").toString());
        expectBad("line 2 is an array, not a JSON object", "--inputs", file("array.jsonl", "{\"n\": 1}\n[1]\n").toString());
        expectBad("input row 2 (line 2): template 'echo' has no parameter 'colour'; its parameters are n",
                "--inputs", file("unknown.jsonl", "{\"n\": 1}\n{\"n\": 2, \"colour\": \"red\"}\n").toString());
        expectBad("input row 1 (line 2): template 'echo' needs parameter n; add it to the row",
                "--inputs", file("missing.jsonl", "\n{}\n").toString());
        expectBad("line 3 is not valid CSV", "--inputs", file("ragged.csv", "n\n1\n2,3\n").toString());
        expectBad("no rows", "--inputs", file("empty.jsonl", "\n").toString());
        expectBad("parallel 0 is out of range: give 1 to 64", "--inputs", good.toString(), "--parallel", "0");
        expectBad("collect path '../x' is not accepted", "--inputs", good.toString(), "--collect", "../x");
        expectBad("no template named 'nope'", "--inputs", good.toString(), "--then", "nope");
        expectBad("--inputs: no such file", "--inputs", files.resolve("absent.jsonl").toString());
        expectBad("--out: the directory of", "--inputs", good.toString(), "--out", files.resolve("no/such/dir/r.jsonl").toString());
        assertThat(Json.parse(cli.run("batch", "list", "-o", "json").out())).isEmpty();
        assertThat(Json.parse(cli.run("sessions", "list", "--all", "-o", "json").out())).isEmpty();
        CliRunner.Result missing = cli.run("batch", "show", "b0000000");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no batch 'b0000000'");
    }

    private void expectBad(String message, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("batch", "run", "--template", "echo"));
        all.addAll(List.of(args));
        CliRunner.Result r = cli.run(all.toArray(String[]::new));
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
    }
}
