package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 2's CLI leftovers: {@code --guardrail} on {@code sessions remix} (replacing the
 * inherited set; {@code --no-guardrails} for none) and on {@code run} (the session it creates).
 */
class GuardrailRemixRunCliTest {
    @TempDir
    Path dataDir;
    CliRunner cli;

    @BeforeEach
    void cli() {
        cli = new CliRunner(dataDir);
    }

    @AfterEach
    void stopAgents() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    private JsonNode guardrails(String session) {
        return Json.parse(cli.run("sessions", "show", session, "-o", "json").out()).get("guardrails");
    }

    @Test
    void aRemixInheritsItsParentsGuardrailsUnlessGivenItsOwnOrNone() {
        CliRunner.Result parent = cli.run("sessions", "create", "parent", "--agent", "reference",
                "--guardrail", "no-pii-exposure:action=redact");
        assertThat(parent.exit()).as(parent.err()).isZero();

        assertThat(cli.run("sessions", "remix", "parent", "--name", "inherits", "--no-copy-workspace").exit()).isZero();
        assertThat(guardrails("inherits").toString()).isEqualTo("[\"no-pii-exposure:action=redact,kinds=all\"]");

        CliRunner.Result own = cli.run("sessions", "remix", "parent", "--name", "own", "--no-copy-workspace",
                "--guardrail", "max-message-size:chars=50", "--guardrail", "rate-limiting:session=10");
        assertThat(own.exit()).as(own.err()).isZero();
        assertThat(guardrails("own").toString()).isEqualTo("[\"max-message-size:chars=50\","
                + "\"rate-limiting:session=10,session-burst=10,agent=20,agent-burst=5\"]");
        // the remix's own guardrail acts: a long message is refused, exit 2
        CliRunner.Result tooLong = cli.run("sessions", "send", "own", "$ echo " + "x".repeat(60));
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err()).contains("max-message-size");

        assertThat(cli.run("sessions", "remix", "parent", "--name", "bare", "--no-copy-workspace", "--no-guardrails")
                .exit()).isZero();
        assertThat(guardrails("bare")).isEmpty();
    }

    @Test
    void aBadOrContradictoryRemixGuardrailIsExit2AndNothingIsCreated() {
        assertThat(cli.run("sessions", "create", "parent", "--agent", "reference").exit()).isZero();
        CliRunner.Result bad = cli.run("sessions", "remix", "parent", "--name", "bad", "--guardrail",
                "no-pii-exposure:action=delete");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("no-pii-exposure: action=delete is not accepted; action is block or redact");
        CliRunner.Result both = cli.run("sessions", "remix", "parent", "--name", "both", "--no-guardrails",
                "--guardrail", "rate-limiting");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--no-guardrails and --guardrail contradict each other");
        assertThat(Json.parse(cli.run("sessions", "list", "--all", "-o", "json").out())).hasSize(1);
    }

    @Test
    void runGivesTheSessionItCreatesItsGuardrailsAndRefusesOthersForAnExistingOne() {
        CliRunner.Result first = cli.run("run", "reference", "$ echo hello", "--session", "scratch",
                "--guardrail", "max-message-size:chars=40");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(guardrails("scratch").toString()).isEqualTo("[\"max-message-size:chars=40\"]");
        // the same guardrails again (written otherwise): the existing session is used
        CliRunner.Result again = cli.run("run", "reference", "$ echo again", "--session", "scratch",
                "--guardrail", "MAX-MESSAGE-SIZE:chars=40");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("again");
        CliRunner.Result other = cli.run("run", "reference", "$ echo other", "--session", "scratch",
                "--guardrail", "rate-limiting");
        assertThat(other.exit()).isEqualTo(2);
        assertThat(other.err()).contains("session 'scratch' exists with guardrails [max-message-size:chars=40]")
                .contains("sessions remix scratch --guardrail");
        CliRunner.Result bad = cli.run("run", "reference", "$ echo x", "--session", "fresh", "--guardrail", "nope");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown guardrail \"nope\"");
        assertThat(Json.parse(cli.run("sessions", "list", "--all", "-o", "json").out())).hasSize(1);
    }
}
