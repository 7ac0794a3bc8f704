package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 4 through the CLI: sessions trace and sessions requests, as tables and JSON. */
class TraceCliTest extends LocalCliTestBase {

    @Test
    void aRepliesTraceAndTheSessionsRequestsArePrintedAsTablesOrJson() {
        CliRunner.Result created = cli.run("sessions", "create", "talky", "--agent", "reference");
        assertThat(created.exit()).as(created.err()).isZero();
        CliRunner.Result sent = cli.run("sessions", "send", "talky", "$ echo traced");
        assertThat(sent.exit()).as(sent.err()).isZero();
        JsonNode messages = Json.parse(cli.run("sessions", "messages", "talky", "-o", "json").out());
        long reply = messages.get(messages.size() - 1).get("id").asLong();

        CliRunner.Result table = cli.run("sessions", "trace", "talky", Long.toString(reply));
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("AT").contains("EVENT").contains("TEXT");
        assertThat(table.out()).containsPattern("tool_output \\(stdout\\) +7 +traced\\\\n").contains("done (exit 0)");

        JsonNode trace = Json.parse(cli.run("sessions", "trace", "talky", Long.toString(reply), "-o", "json").out());
        assertThat(trace.get(0).get("seq").asInt()).isZero();
        assertThat(trace.get(trace.size() - 1).get("type").asText()).isEqualTo("done");

        CliRunner.Result requests = cli.run("sessions", "requests", "talky");
        assertThat(requests.exit()).as(requests.err()).isZero();
        assertThat(requests.out().lines().toList()).hasSize(2);
        assertThat(requests.out()).contains("LATENCY").containsPattern("reference .* ms .* complete");
        JsonNode rows = Json.parse(cli.run("sessions", "requests", "talky", "-o", "json").out());
        assertThat(rows.get(0).get("reply_id").asLong()).isEqualTo(reply);
        assertThat(rows.get(0).get("status").asText()).isEqualTo("COMPLETE");

        CliRunner.Result timeline = cli.run("sessions", "timeline", "talky", "--kind", "message,reply");
        assertThat(timeline.exit()).as(timeline.err()).isZero();
        assertThat(timeline.out().lines().skip(1).toList()).hasSize(2);
        assertThat(timeline.out()).containsPattern("message +reference +message to reference: \\$ echo traced")
                .containsPattern("reply +reference +reply from reference: traced");
        JsonNode all = Json.parse(cli.run("sessions", "timeline", "talky", "-o", "json").out());
        assertThat(all.get(0).get("kind").asText()).isEqualTo("created");
        // the agent's log lines: rows of their own, and in the JSON with the whole line
        CliRunner.Result logs = cli.run("sessions", "timeline", "talky", "--kind", "log");
        assertThat(logs.exit()).as(logs.err()).isZero();
        assertThat(logs.out()).containsPattern("log +reference +reference agent 'reference' listening on")
                .containsPattern("log +reference +message \\S+ received \\(13 characters, command\\)");
        assertThat(all).anySatisfy(e -> {
            assertThat(e.get("kind").asText()).isEqualTo("log");
            assertThat(e.get("detail").get("line").asText()).startsWith("reference agent 'reference' listening on");
            assertThat(e.get("detail").get("agent").asText()).isEqualTo("reference");
        });

        CliRunner.Result noAgent = cli.run("sessions", "requests", "talky", "--agent", "ghost");
        assertThat(noAgent.exit()).isEqualTo(2);
        assertThat(noAgent.err()).contains("session 'talky' has no agent 'ghost'; its agents: reference");
        CliRunner.Result notAReply = cli.run("sessions", "trace", "talky", "abc");
        assertThat(notAReply.exit()).isEqualTo(2);
        assertThat(notAReply.err()).contains("REPLY_ID");
    }
}
