package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest extends LocalCliTestBase {


    @Test
    void jsonOutputUsesTheSeedFieldNames() {
        CliRunner.Result r = cli.run("sessions", "create", "analysis-session", "--agent", "reference",
                "--prompt", "$ echo ready", "--waiting-timeout", "5m", "--meta", "project=Q4-analysis",
                "--meta", "priority=high", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = Json.parse(r.out());
        List<String> fields = new ArrayList<>();
        s.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).contains("id", "name", "starting_prompt", "state", "phase", "waiting_timeout_seconds",
                "ttl_seconds", "metadata", "agents", "resources", "parent_session_id", "created_by", "created_at",
                "updated_at", "last_activity_at", "deleted_at", "termination_reason");
        assertThat(s.get("name").asText()).isEqualTo("analysis-session");
        assertThat(s.get("state").asText()).isEqualTo("READY");
        assertThat(s.get("waiting_timeout_seconds").asInt()).isEqualTo(300);
        assertThat(s.get("metadata").get("project").asText()).isEqualTo("Q4-analysis");
        assertThat(s.get("agents").get(0).get("name").asText()).isEqualTo("reference");
        assertThat(s.get("agents").get(0).has("model")).isTrue();
        assertThat(s.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");

        JsonNode list = Json.parse(cli.run("sessions", "list", "-o", "json").out());
        assertThat(list.isArray()).isTrue();
        assertThat(list.get(0).get("id").asText()).isEqualTo(s.get("id").asText());

        JsonNode messages = Json.parse(cli.run("sessions", "messages", "analysis-session", "-o", "json").out());
        assertThat(messages.get(1).get("role").asText()).isEqualTo("agent");
        assertThat(messages.get(1).get("content").asText()).contains("ready");

        JsonNode events = Json.parse(cli.run("sessions", "events", "analysis-session", "-o", "json").out());
        assertThat(events.findValuesAsText("kind")).contains("created", "phase", "transition");
        JsonNode firstTransition = java.util.stream.StreamSupport.stream(events.spliterator(), false)
                .filter(e -> e.get("kind").asText().equals("transition")).findFirst().orElseThrow();
        assertThat(firstTransition.get("from").asText()).isEqualTo("INIT");
        assertThat(firstTransition.get("to").asText()).isEqualTo("READY");
        assertThat(firstTransition.get("actor").asText()).isEqualTo("engine");
    }

    private String state(String name) {
        return Json.parse(cli.run("sessions", "show", name, "-o", "json").out()).get("state").asText();
    }

    @Test
    void pauseResumeAndDeleteTakeSeveralSessionsOrASelectorAndReportEach() {
        for (String[] s : new String[][]{{"etl-1", "team=data"}, {"etl-2", "team=data"}, {"web-1", "team=web"}}) {
            CliRunner.Result r = cli.run("sessions", "create", s[0], "--agent", "reference", "--meta", s[1], "--meta", "tier=1");
            assertThat(r.exit()).as(r.err()).isZero();
        }
        CliRunner.Result paused = cli.run("sessions", "pause", "--selector", "team=data,tier=1");
        assertThat(paused.exit()).as(paused.err()).isZero();
        assertThat(paused.out()).contains("paused 'etl-1' (IDLE)").contains("paused 'etl-2' (IDLE)").doesNotContain("web-1");
        assertThat(state("etl-1")).isEqualTo("IDLE");
        assertThat(state("web-1")).isEqualTo("READY");
        assertThat(cli.run("sessions", "list", "--selector", "team=web").out()).contains("web-1").doesNotContain("etl-");

        // one that cannot be resumed does not stop the others; the exit code says one failed
        CliRunner.Result resumed = cli.run("sessions", "resume", "etl-1", "no-such-session", "etl-2");
        assertThat(resumed.exit()).isEqualTo(1);
        assertThat(resumed.out()).contains("resumed 'etl-1' (READY)").contains("resumed 'etl-2' (READY)");
        assertThat(resumed.err()).contains("no-such-session");
        assertThat(state("etl-2")).isEqualTo("READY");

        JsonNode deleted = Json.parse(cli.run("sessions", "delete", "--selector", "team=data", "-o", "json").out());
        assertThat(deleted.findValuesAsText("session")).containsExactlyInAnyOrder("etl-1", "etl-2");
        assertThat(deleted.findValues("ok")).allMatch(JsonNode::asBoolean);
        assertThat(cli.run("sessions", "list", "-o", "json").out()).contains("web-1").doesNotContain("etl-1");

        CliRunner.Result none = cli.run("sessions", "pause");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("no session given").contains("--selector KEY=VALUE");
        CliRunner.Result bad = cli.run("sessions", "pause", "--selector", "team");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("'team' is not KEY=VALUE");
    }

    @Test
    void aRemixWithTheConversationCopiedMarksTheCopyAndDoesNotRunTheParentsPromptAgain() {
        CliRunner.Result parent = cli.run("sessions", "create", "origin", "--agent", "reference", "--prompt",
                "$ echo counted >> runs.txt; wc -l < runs.txt", "-o", "json");
        assertThat(parent.exit()).as(parent.err()).isZero();
        String parentId = Json.parse(parent.out()).get("id").asText();

        CliRunner.Result copy = cli.run("sessions", "remix", "origin", "--name", "branch", "--copy-conversation");
        assertThat(copy.exit()).as(copy.err()).isZero();
        JsonNode messages = Json.parse(cli.run("sessions", "messages", "branch", "-o", "json").out());
        assertThat(messages).as("the parent's prompt and reply, copied, nothing run again").hasSize(2);
        assertThat(messages.findValuesAsText("copied_from_session_id")).containsOnly(parentId);
        assertThat(cli.run("sessions", "messages", "branch").out())
                .startsWith("--- copied from session " + parentId + " when this session was remixed ---");
        assertThat(cli.run("sessions", "send", "branch", "$ cat runs.txt | wc -l").out()).as("the prompt ran once, in the parent")
                .contains("1");

        CliRunner.Result asked = cli.run("sessions", "remix", "origin", "--name", "again", "--copy-conversation",
                "--prompt", "$ echo asked again");
        assertThat(asked.exit()).as(asked.err()).isZero();
        JsonNode more = Json.parse(cli.run("sessions", "messages", "again", "-o", "json").out());
        assertThat(more).hasSize(4);
        assertThat(more.get(3).get("content").asText()).contains("asked again");
        assertThat(more.get(3).get("copied_from_session_id").isNull()).isTrue();
        assertThat(cli.run("sessions", "messages", "again").out()).contains("--- this session's own messages ---");
    }

    @Test
    void runCreatesOrResumesTheNamedSessionAndStreamsTheReply() throws Exception {
        CliRunner.Result first = cli.run("run", "reference", "$ echo step 1 > progress.txt && cat progress.txt",
                "--session", "user-123");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("step 1").contains("exit code 0");
        assertThat(first.err()).contains("created session 'user-123'");

        assertThat(cli.run("sessions", "pause", "user-123").exit()).isZero();
        CliRunner.Result second = cli.run("run", "reference", "$ cat progress.txt", "--session", "user-123");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.out()).contains("step 1");
        assertThat(second.err()).doesNotContain("created");

        JsonNode sessions = Json.parse(cli.run("sessions", "list", "-o", "json").out());
        assertThat(sessions.size()).isEqualTo(1);
        assertThat(sessions.get(0).get("state").asText()).isEqualTo("READY");
    }

    @Test
    void aFailingCommandInsideTheAgentIsStillASuccessfulReply() {
        cli.run("sessions", "create", "s1", "--agent", "reference");
        CliRunner.Result r = cli.run("sessions", "send", "s1", "$ ls /does-not-exist");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("No such file").containsPattern("exit code [12]");
    }

    @Test
    void aSessionThatFailsToStartExitsOneAndSaysWhereToLook() {
        assertThat(cli.run("agents", "create", "crashy", "--command", "sh -c 'echo no GPU >&2; exit 4'").exit()).isZero();
        CliRunner.Result r = cli.run("sessions", "create", "doomed", "--agent", "crashy");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("failed to start").contains("exited with code 4").contains("no GPU")
                .contains("sessions logs doomed").contains("sessions retry doomed");
        CliRunner.Result logs = cli.run("sessions", "logs", "doomed");
        assertThat(logs.out()).contains("no GPU");
    }

    @Test
    void agentsCanBeDefinedFromYamlAndShownBack() throws Exception {
        Path yaml = dataDir.resolve("writer.yaml");
        Files.writeString(yaml, """
                name: report-writer
                command: [pilothouse, reference-agent]
                image: ghcr.io/acme/report-writer:1.2
                model: gpt-4o-mini
                instructions: Write concise reports.
                env:
                  TONE: formal
                port: 9000
                resources:
                  cpu: 500m
                  memory: 1Gi
                """);
        CliRunner.Result created = cli.run("agents", "create", "-f", yaml.toString(), "-o", "json");
        assertThat(created.exit()).as(created.err()).isZero();
        JsonNode shown = Json.parse(cli.run("agents", "show", "report-writer", "-o", "json").out());
        assertThat(shown.get("env").get("TONE").asText()).isEqualTo("formal");
        assertThat(shown.get("port").asInt()).isEqualTo(9000);
        assertThat(shown.get("resources").get("memory").asText()).isEqualTo("1Gi");
        assertThat(cli.run("agents", "list").out()).contains("report-writer").contains("reference");
        assertThat(cli.run("agents", "delete", "report-writer").exit()).isZero();
        assertThat(cli.run("agents", "show", "report-writer").exit()).isEqualTo(2);
    }

    @Test
    void anAtSignIsPlainTextAndFilesAreReadOnlyWhenAskedFor() throws Exception {
        Path notes = dataDir.resolve("notes");
        Files.writeString(notes, "$ echo read-from-notes");
        assertThat(cli.run("sessions", "create", "s1", "--agent", "reference").exit()).isZero();
        CliRunner.Result at = cli.run("sessions", "send", "s1", "$ echo @" + notes);
        assertThat(at.exit()).as(at.err()).isZero();
        assertThat(at.out()).contains("@" + notes).doesNotContain("read-from-notes");
        CliRunner.Result bare = cli.run("sessions", "send", "s1", "@" + notes);
        assertThat(bare.exit()).as(bare.err()).isZero();
        CliRunner.Result fromFile = cli.run("sessions", "send", "s1", "--message-file", notes.toString());
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        assertThat(fromFile.out()).contains("read-from-notes");
        CliRunner.Result run = cli.run("run", "reference", "--message-file", notes.toString(), "--session", "s1");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("read-from-notes");

        JsonNode messages = Json.parse(cli.run("sessions", "messages", "s1", "-o", "json").out());
        List<String> sent = new ArrayList<>();
        messages.forEach(m -> {
            if (m.get("role").asText().equals("user")) {
                sent.add(m.get("content").asText());
            }
        });
        assertThat(sent).containsExactly("$ echo @" + notes, "@" + notes, "$ echo read-from-notes", "$ echo read-from-notes");
    }

    @Test
    void versionAndHelpWork() {
        CliRunner.Result v = cli.run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).startsWith("pilothouse ");
        CliRunner.Result h = cli.run("sessions", "remix", "--help");
        assertThat(h.out()).contains("--copy-conversation").contains("--no-copy-workspace").contains("--add-agent");
    }
}
