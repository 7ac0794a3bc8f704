package dev.pilothouse.cli;

import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14 item 1 through the CLI: seed 001's template applied, listed, shown, exported and used; bad input exits 2. */
class TemplatesCliTest {
    @TempDir
    Path dataDir;

    @TempDir
    Path files;

    @AfterEach
    void stopAgents() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    private static String seed() throws Exception {
        return Files.readString(Path.of("../core/src/test/resources/templates/seed-001.yaml"));
    }

    @Test
    void theSeedsTemplateRoundTripsAndStartsASessionWithParameters() throws Exception {
        CliRunner cli = new CliRunner(dataDir);
        Path seed = files.resolve("session-template.yaml");
        Files.writeString(seed, seed());
        CliRunner.Result r = cli.run("templates", "apply", "-f", seed.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("template 'data-analysis-template' version 1 applied");
        assertThat(r.err()).contains("warning: template 'data-analysis-template' names agents that are not defined: "
                + "data-analyzer, chart-generator");
        assertThat(cli.run("templates", "export", "data-analysis-template").out()).isEqualTo(seed());

        r = cli.run("sessions", "create", "--template", "data-analysis-template");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("names agents that are not defined: data-analyzer, chart-generator")
                .contains("pilothouse agents create");

        // the seed's agents as the reference agent
        var ref = Json.parse(cli.run("agents", "show", "reference", "-o", "json").out());
        StringBuilder words = new StringBuilder();
        ref.get("command").forEach(w -> words.append(words.isEmpty() ? "" : " ").append("'").append(w.asText()).append("'"));
        assertThat(cli.run("agents", "create", "data-analyzer", "--command", words.toString()).exit()).isZero();
        assertThat(cli.run("agents", "create", "chart-generator", "--command", words.toString()).exit()).isZero();

        Path v2 = files.resolve("v2.yaml");
        Files.writeString(v2, seed().replace("  guardrails:", "  starting_prompt: \"$ echo hello {{who}} from "
                + "$PILOTHOUSE_MODEL\"\n  parameters:\n    - name: who\n      default: world\n  guardrails:"));
        r = cli.run("templates", "apply", "-f", v2.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("version 2 applied");
        assertThat(r.err()).isEmpty();

        r = cli.run("templates", "list", "-o", "json");
        assertThat(Json.parse(r.out()).get(0).get("version").asInt()).isEqualTo(2);
        assertThat(cli.run("templates", "show", "data-analysis-template", "--version", "1").out()).contains("version: 1");

        r = cli.run("sessions", "create", "analysis", "--template", "data-analysis-template", "--param", "who=operator",
                "--memory", "2Gi", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        var s = Json.parse(r.out());
        assertThat(s.get("resources").get("memory").asText()).isEqualTo("2Gi");
        assertThat(s.get("resources").get("cpu").asText()).isEqualTo("2");
        assertThat(s.get("metadata").get("template_version").asInt()).isEqualTo(2);
        assertThat(s.get("agents").get(0).get("model").asText()).isEqualTo("gpt-4");
        assertThat(cli.run("sessions", "messages", "analysis").out()).contains("hello operator from gpt-4");

        r = cli.run("sessions", "create", "--template", "data-analysis-template", "--param", "whom=x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("template 'data-analysis-template' has no parameter 'whom'; its parameters are who");

        assertThat(cli.run("templates", "delete", "data-analysis-template").exit()).isZero();
        assertThat(cli.run("templates", "show", "data-analysis-template").exit()).isNotZero();
    }

    @Test
    void aBadTemplateExitsTwoWithWhereItIsAndStoresNothing() throws Exception {
        CliRunner cli = new CliRunner(dataDir);
        Path bad = files.resolve("bad.yaml");
        Files.writeString(bad, seed().replace("    memory: 4Gi", "    memory: 4Gi\n    gpu: 1"));
        CliRunner.Result r = cli.run("templates", "apply", "-f", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("template line 15, column 5: unknown key 'gpu' in spec.resources; accepted: cpu, "
                + "memory, storage");
        assertThat(cli.run("templates", "list", "-o", "json").out().strip()).isEqualTo("[ ]");
        r = cli.run("templates", "apply", "-f", files.resolve("missing.yaml").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no such file");
    }
}
