package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14 item 3 through the CLI: --at/--after on sessions create, the schedules commands, bad input exit 2. */
class SchedulesCliTest {
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

    @Test
    void aSessionCreatedWithAfterOrAtIsPendingUntilThenAndDeleteCancelsIt() {
        CliRunner cli = new CliRunner(dataDir);
        Instant before = Instant.now();
        CliRunner.Result r = cli.run("sessions", "create", "later", "--agent", "reference", "--after", "2h");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("later").contains("INIT").contains("PENDING (starts ");

        JsonNode s = Json.parse(cli.run("sessions", "show", "later", "-o", "json").out());
        assertThat(s.get("state").asText()).isEqualTo("INIT");
        assertThat(s.get("phase").asText()).isEqualTo("PENDING");
        Instant at = Instant.parse(s.get("scheduled_at").asText());
        assertThat(at).isBetween(before.plus(Duration.ofHours(2)), Instant.now().plus(Duration.ofHours(2)));

        r = cli.run("sessions", "create", "xmas", "--agent", "reference", "--at", "2099-12-24T09:00+01:00", "-o", "json");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("more than 366 days ahead");
        String soon = Instant.now().plus(Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        r = cli.run("sessions", "create", "xmas", "--agent", "reference", "--at", soon, "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Json.parse(r.out()).get("scheduled_at").asText()).isEqualTo(Instant.parse(soon).toString());

        r = cli.run("sessions", "delete", "later");
        assertThat(r.exit()).as(r.err()).isZero();
        s = Json.parse(cli.run("sessions", "show", "later", "-o", "json").out());
        assertThat(s.get("deleted_at").isNull()).isFalse();
        assertThat(s.get("termination_reason").asText()).startsWith("scheduled start cancelled: deleted by");

        // resume starts a pending one now
        r = cli.run("sessions", "resume", "xmas");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Json.parse(cli.run("sessions", "show", "xmas", "-o", "json").out()).get("state").asText())
                .isEqualTo("READY");
    }

    @Test
    void badStartTimesExitTwoAndStoreNothing() {
        CliRunner cli = new CliRunner(dataDir);
        CliRunner.Result r = cli.run("sessions", "create", "a", "--agent", "reference", "--at", "2020-01-01T00:00Z");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("start time 2020-01-01T00:00:00Z is in the past");
        r = cli.run("sessions", "create", "a", "--agent", "reference", "--at", "tomorrow");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("start time 'tomorrow' is not a time: give an ISO-8601 time with a zone or offset");
        r = cli.run("sessions", "create", "a", "--agent", "reference", "--at", "2099-01-01T00:00Z", "--after", "1h");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("give either --at TIME or --after DELAY, not both");
        r = cli.run("sessions", "create", "a", "--agent", "reference", "--after", "soon");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("delay 'soon' is not a duration: give a delay such as 90s, 15m, 2h, 1d, 1h30m or PT2H");
        r = cli.run("sessions", "create", "a", "--agent", "reference", "--after", "PT-2H");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("must be positive");
        assertThat(Json.parse(cli.run("sessions", "list", "--all", "-o", "json").out())).isEmpty();
    }

    @Test
    void schedulesAreCreatedListedPausedResumedAndDeleted() throws Exception {
        CliRunner cli = new CliRunner(dataDir);
        Path t = files.resolve("t.yaml");
        Files.writeString(t, """
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: report
                spec:
                  agents:
                    - name: reference
                  starting_prompt: "$ echo {{team}}"
                  parameters:
                    - name: team
                """);
        assertThat(cli.run("templates", "apply", "-f", t.toString()).exit()).isZero();

        CliRunner.Result r = cli.run("schedules", "create", "never", "--template", "report", "--param", "team=a",
                "--cron", "0 0 30 2 *");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("cron expression '0 0 30 2 *' never fires");
        r = cli.run("schedules", "create", "typo", "--template", "report", "--param", "team=a", "--cron", "0 2 * *");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("is not valid").contains("five fields");
        r = cli.run("schedules", "create", "noteam", "--template", "report", "--cron", "0 2 * * *");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("needs parameter team");
        assertThat(Json.parse(cli.run("schedules", "list", "-o", "json").out())).isEmpty();

        r = cli.run("schedules", "create", "nightly", "--template", "report", "--param", "team=sales", "--cron",
                "0 2 * * *", "--timezone", "Europe/Berlin");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("schedule 'nightly' created; next run ");

        JsonNode s = Json.parse(cli.run("schedules", "show", "nightly", "-o", "json").out());
        assertThat(s.get("cron").asText()).isEqualTo("0 2 * * *");
        assertThat(s.get("timezone").asText()).isEqualTo("Europe/Berlin");
        assertThat(s.get("parameters").get("team").asText()).isEqualTo("sales");
        assertThat(s.get("paused").asBoolean()).isFalse();
        assertThat(s.get("missed_runs").asInt()).isZero();
        assertThat(Instant.parse(s.get("next_due_at").asText())).isAfter(Instant.now());

        r = cli.run("schedules", "list");
        assertThat(r.out()).contains("NAME").contains("nightly").contains("report").contains("Europe/Berlin");
        r = cli.run("schedules", "pause", "nightly");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("next run").contains("none while paused");
        assertThat(cli.run("schedules", "pause", "nightly").exit()).isEqualTo(2);
        r = cli.run("schedules", "resume", "nightly", "-o", "json");
        assertThat(Json.parse(r.out()).get("paused").asBoolean()).isFalse();
        assertThat(cli.run("schedules", "delete", "nightly").exit()).isZero();
        r = cli.run("schedules", "show", "nightly");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no schedule named 'nightly'");
    }
}
