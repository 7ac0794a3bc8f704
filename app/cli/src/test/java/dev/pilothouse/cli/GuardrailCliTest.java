package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14, item 2 through the CLI: --guardrail on create, what show prints, a blocked and a redacted send. */
class GuardrailCliTest extends LocalCliTestBase {


    @Test
    void aBadGuardrailIsExit2WithWhatIsAcceptedAndNothingIsCreated() {
        CliRunner.Result r = cli.run("sessions", "create", "bad", "--agent", "reference", "--guardrail",
                "no-pii-exposure:action=delete");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: no-pii-exposure: action=delete is not accepted; action is block or redact");
        CliRunner.Result unknown = cli.run("sessions", "create", "bad", "--agent", "reference", "--guardrail", "no-pii");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown guardrail \"no-pii\"; the guardrails are no-pii-exposure, rate-limiting, "
                + "max-message-size");
        CliRunner.Result range = cli.run("sessions", "create", "bad", "--agent", "reference", "--guardrail",
                "rate-limiting:session=0");
        assertThat(range.exit()).isEqualTo(2);
        assertThat(range.err()).contains("rate-limiting: session=0 is out of range");
        assertThat(Json.parse(cli.run("sessions", "list", "--all", "-o", "json").out())).isEmpty();
    }

    @Test
    void guardrailsAreShownAndABlockedMessageFailsOnStderrWhileARedactedOneIsSentRedacted() {
        CliRunner.Result created = cli.run("sessions", "create", "guarded", "--agent", "reference",
                "--guardrail", "no-pii-exposure:kinds=secret", "--guardrail", "no-pii-exposure:action=redact,kinds=email");
        assertThat(created.exit()).as(created.err()).isZero();

        JsonNode shown = Json.parse(cli.run("sessions", "show", "guarded", "-o", "json").out());
        assertThat(shown.get("guardrails").toString()).isEqualTo("[\"no-pii-exposure:action=block,kinds=private-key+api-key"
                + "+high-entropy\",\"no-pii-exposure:action=redact,kinds=email\"]");
        assertThat(cli.run("sessions", "show", "guarded").out())
                .contains("guardrails ").contains("no-pii-exposure:action=redact,kinds=email");

        CliRunner.Result blocked = cli.run("sessions", "send", "guarded", "$ echo AKIAIOSFODNN7EXAMPLE");
        assertThat(blocked.exit()).isEqualTo(2);
        assertThat(blocked.err()).contains("error: blocked by no-pii-exposure: nothing of this message was sent to the agent; "
                + "it holds api-key at 1:8-1:27").doesNotContain("AKIAIOSFODNN7EXAMPLE");
        assertThat(blocked.out()).isEmpty();

        CliRunner.Result redacted = cli.run("sessions", "send", "guarded", "$ echo write to carol@example.net");
        assertThat(redacted.exit()).as(redacted.err()).isZero();
        assertThat(redacted.out()).contains("write to [REDACTED:email]").doesNotContain("carol@");
        assertThat(redacted.err()).contains("note: the message was sent redacted by no-pii-exposure: email");

        String messages = cli.run("sessions", "messages", "guarded").out();
        assertThat(messages).contains("[error: blocked by no-pii-exposure").contains("[redacted by no-pii-exposure: email]")
                .doesNotContain("AKIAIOSFODNN7EXAMPLE").doesNotContain("carol@");
        String events = cli.run("sessions", "events", "guarded", "-o", "json").out();
        assertThat(events).contains("\"kind\" : \"guardrail\"").doesNotContain("AKIAIOSFODNN7EXAMPLE").doesNotContain("carol@");
    }
}
