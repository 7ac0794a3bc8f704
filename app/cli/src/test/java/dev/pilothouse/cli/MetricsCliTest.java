package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 1 through the CLI: sessions top and sessions metrics, as tables and JSON, and their bad input. */
class MetricsCliTest extends LocalCliTestBase {

    @Test
    void topAndMetricsShowARunningSessionsMemoryAndActivity() {
        assertThat(cli.run("sessions", "create", "busy", "--agent", "reference").exit()).isZero();
        assertThat(cli.run("sessions", "create", "parked", "--agent", "reference").exit()).isZero();
        assertThat(cli.run("sessions", "pause", "parked").exit()).isZero();
        assertThat(cli.run("sessions", "send", "busy", "$ echo hi").exit()).isZero();

        CliRunner.Result top = cli.run("sessions", "top", "--sort", "memory");
        assertThat(top.exit()).as(top.err()).isZero();
        assertThat(top.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("CPU").contains("MEMORY")
                .contains("WORKSPACE");
        // the running session first (sorted by memory), with a figure; the paused one says why it has none
        assertThat(top.out().lines().skip(1).findFirst().orElseThrow()).startsWith("busy").containsPattern("\\d+m +[\\d.]+ MiB");
        assertThat(top.out()).containsPattern("parked +IDLE .*not running: IDLE");

        JsonNode rows = Json.parse(cli.run("sessions", "top", "-o", "json").out());
        JsonNode busy = rows.get(0).get("name").asText().equals("busy") ? rows.get(0) : rows.get(1);
        assertThat(busy.get("current").get("memory_bytes").asLong()).isPositive();
        assertThat(busy.get("activity").get("messages").asInt()).isEqualTo(1);

        JsonNode m = Json.parse(cli.run("sessions", "metrics", "busy", "--since", "30m", "-o", "json").out());
        assertThat(m.get("resolution").asText()).isEqualTo("10s");
        assertThat(m.get("history").get("*")).isNotEmpty();
        CliRunner.Result text = cli.run("sessions", "metrics", "busy");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("activity  1 replies, 0 failed").contains("history ");
    }

    @Test
    void badInputIsRefusedWithWhatIsAccepted() {
        assertThat(cli.run("sessions", "create", "one", "--agent", "reference").exit()).isZero();
        CliRunner.Result sort = cli.run("sessions", "top", "--sort", "speed");
        assertThat(sort.exit()).isEqualTo(2);
        assertThat(sort.err()).contains("cannot sort by 'speed'; accepted: cpu, memory, workspace, messages, age, name");
        CliRunner.Result since = cli.run("sessions", "metrics", "one", "--since", "31d");
        assertThat(since.exit()).isEqualTo(2);
        assertThat(since.err()).contains("is not kept; accepted: more than 0 s up to 30 days (30d)");
        CliRunner.Result bad = cli.run("sessions", "metrics", "one", "--since", "soon");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("invalid --since 'soon'");
        CliRunner.Result none = cli.run("sessions", "metrics", "ghost");
        assertThat(none.exit()).isNotZero();
        assertThat(none.err()).contains("no session 'ghost'");
    }
}
