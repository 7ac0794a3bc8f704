package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14, item 6 through the CLI: `sessions update --add-agent/--remove-agent`, `--cpu/--memory`. */
class SessionAgentsCliTest extends LocalCliTestBase {


    @Test
    void anAgentIsAddedToAReadySessionAnswersAndIsRemovedAgain() {
        assertThat(cli.run("agents", "create", "ml-predictor", "--command", "pilothouse reference-agent").exit()).isZero();
        assertThat(cli.run("sessions", "create", "q4", "--agent", "reference", "--prompt", "$ echo q4 > data.csv").exit())
                .isZero();

        CliRunner.Result added = cli.run("sessions", "update", "q4", "--add-agent", "ml-predictor", "-o", "json");
        assertThat(added.exit()).as(added.err()).isZero();
        JsonNode shown = Json.parse(added.out());
        assertThat(shown.get("state").asText()).isEqualTo("READY");
        assertThat(shown.get("agents").findValuesAsText("name")).containsExactly("reference", "ml-predictor");

        CliRunner.Result reply = cli.run("sessions", "send", "q4", "--agent", "ml-predictor", "$ cat data.csv");
        assertThat(reply.exit()).as(reply.err()).isZero();
        assertThat(reply.out()).contains("q4");

        CliRunner.Result removed = cli.run("sessions", "update", "q4", "--remove-agent", "reference", "-o", "json");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(Json.parse(removed.out()).get("agents").findValuesAsText("name")).containsExactly("ml-predictor");

        String events = cli.run("sessions", "events", "q4", "-o", "json").out();
        assertThat(events).contains("\"kind\" : \"agents_changed\"").contains("READY").contains("IDLE");
    }

    @Test
    void cpuAndMemorySayTheyApplyAtTheNextStart() {
        assertThat(cli.run("sessions", "create", "sized", "--agent", "reference").exit()).isZero();
        CliRunner.Result r = cli.run("sessions", "update", "sized", "--cpu", "2", "--memory", "4Gi", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Json.parse(r.out()).get("resources").get("memory").asText()).isEqualTo("4Gi");
        assertThat(r.err()).contains("note: cpu and memory apply at the session's next start").contains("pause and resume");

        assertThat(cli.run("sessions", "pause", "sized").exit()).isZero();
        CliRunner.Result idle = cli.run("sessions", "update", "sized", "--cpu", "500m");
        assertThat(idle.exit()).as(idle.err()).isZero();
        assertThat(idle.err()).contains("it is IDLE: they apply when it is resumed");
    }
}
