package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.session.SessionState;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14, item 2 in the console: the Overview lists the session's guardrails, and the conversation
 * marks a redacted message and one a guardrail blocked (looked at in target/snapshots/guardrails-*.png).
 */
class GuardrailUiTest extends ConsoleTestBase {

    private List<String> badges() {
        return onFx(() -> window.stage().getScene().getRoot().lookupAll(".guardrail-badge").stream()
                .filter(Node::isVisible).map(n -> ((Label) n).getText()).toList());
    }

    @Test
    void theOverviewListsTheGuardrailsAndTheConversationMarksRedactedAndBlockedMessages() {
        awaitReady();
        engine().create(CreateRequest.of("guarded", "reference").withGuardrails(List.of(
                "no-pii-exposure:action=redact,kinds=email", "no-pii-exposure:kinds=secret", "rate-limiting")), null);
        engine().send("guarded", null, "$ echo write to carol@example.net", null);
        engine().send("guarded", null, "$ printf 'ask dave\\100example.com\\n'", null);
        assertThatThrownBy(() -> engine().send("guarded", null, "deploy with AKIAIOSFODNN7EXAMPLE", null))
                .isInstanceOf(GuardrailException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("guarded") != null
                && shownRow("guarded").state() == SessionState.READY);
        await().untilAsserted(() -> clickRow("guarded"));
        awaitPaneIsSelection("guarded");

        press(KeyCode.CONTROL).press(KeyCode.DIGIT1).release(KeyCode.DIGIT1).release(KeyCode.CONTROL);
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() ->
                window.stage().getScene().lookup("#fact-guardrails") instanceof Label l ? l.getText() : "")
                .equals("no-pii-exposure:action=redact,kinds=email\nno-pii-exposure:action=block,kinds=private-key+api-key"
                        + "+high-entropy\nrate-limiting:session=30,session-burst=10,agent=20,agent-burst=5"));
        snapshot(window.stage().getScene().getRoot(), "guardrails-overview.png");

        press(KeyCode.CONTROL).press(KeyCode.DIGIT3).release(KeyCode.DIGIT3).release(KeyCode.CONTROL);
        await().atMost(Duration.ofSeconds(15)).until(() -> badges().size() == 3);
        assertThat(badges()).containsExactlyInAnyOrder("Sent redacted by no-pii-exposure: email",
                "Redacted by no-pii-exposure: email",
                "Blocked, not sent by no-pii-exposure: api-key");
        String shown = onFx(() -> window.stage().getScene().getRoot().lookupAll(".message Label").stream()
                .map(n -> ((Label) n).getText()).reduce("", (a, b) -> a + "\n" + b));
        assertThat(shown).contains("[REDACTED:email]").contains("blocked by no-pii-exposure: nothing of this message was "
                + "sent to the agent; it holds api-key").doesNotContain("carol@").doesNotContain("dave@")
                .doesNotContain("AKIAIOSFODNN7EXAMPLE");
        snapshot(window.stage().getScene().getRoot(), "guardrails-conversation.png");
    }
}
