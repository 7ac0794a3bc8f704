package dev.pilothouse.console;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14, item 6 in the console: the Overview's agents, "Add agent…" offering the registered
 * agents, and remove buttons, the last one disabled with a tooltip saying why (looked at in
 * target/snapshots/session-agents-*.png).
 */
class SessionAgentsUiTest extends ConsoleTestBase {

    private List<String> agentsOf(String name) {
        return engine().session(name).agents().stream().map(SessionAgent::name).toList();
    }

    private Button removeButton(String agent) {
        return onFx(() -> (Button) window.stage().getScene().lookup("#remove-agent-" + agent));
    }

    private String tooltipOf(String holderId) {
        return onFx(() -> {
            Node holder = window.stage().getScene().lookup("#" + holderId);
            Tooltip t = holder == null ? null : (Tooltip) holder.getProperties().get("javafx.scene.control.Tooltip");
            return t == null ? null : t.getText();
        });
    }

    @Test
    void anAgentIsAddedFromTheRegisteredOnesAndRemovedAndTheLastOneCannotBe() {
        awaitReady();
        engine().createAgent(new AgentDefinition(null, "ml-predictor", null, List.of("pilothouse", "reference-agent"),
                null, null, Map.of(), 0, new Resources(null, null, null), null, null, null));
        engine().create(CreateRequest.of("day-two", "reference").withPrompt("$ echo day-one > notes.txt"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("day-two") != null
                && shownRow("day-two").state() == SessionState.READY);
        await().untilAsserted(() -> clickRow("day-two"));
        awaitPaneIsSelection("day-two");
        press(KeyCode.CONTROL).press(KeyCode.DIGIT1).release(KeyCode.DIGIT1).release(KeyCode.CONTROL);

        // one agent: its remove button is disabled, and the holder's tooltip says why
        await().atMost(Duration.ofSeconds(10)).until(() -> removeButton("reference") != null);
        assertThat(removeButton("reference").isDisabled()).isTrue();
        assertThat(tooltipOf("remove-holder-reference")).contains("at least one agent");

        // "Add agent…" offers the registered agents the session does not have
        MenuButton add = node("#add-agent");
        clickOn(add);
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> add.getItems().stream().map(MenuItem::getText)
                .toList()).contains("ml-predictor"));
        assertThat(onFx(() -> add.getItems().stream().map(MenuItem::getText).toList()))
                .doesNotContain("reference").contains("ml-predictor");
        clickOn("ml-predictor");

        await().atMost(Duration.ofSeconds(60)).until(() -> agentsOf("day-two").equals(List.of("reference", "ml-predictor"))
                && engine().session("day-two").state() == SessionState.READY);
        await().atMost(Duration.ofSeconds(10)).until(() -> removeButton("ml-predictor") != null
                && !removeButton("ml-predictor").isDisabled() && !removeButton("reference").isDisabled());
        assertThat(engine().send("day-two", "ml-predictor", "$ cat notes.txt", null).reply().content()).contains("day-one");
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() ->
                ((Label) window.stage().getScene().lookup("#agents-status")).getText()).isEmpty());
        snapshot(window.stage().getScene().getRoot(), "session-agents-two.png");

        clickOn(removeButton("reference"));
        await().atMost(Duration.ofSeconds(60)).until(() -> agentsOf("day-two").equals(List.of("ml-predictor"))
                && engine().session("day-two").state() == SessionState.READY);
        await().atMost(Duration.ofSeconds(10)).until(() -> removeButton("ml-predictor") != null
                && removeButton("ml-predictor").isDisabled() && removeButton("reference") == null);
        assertThat(tooltipOf("remove-holder-ml-predictor")).contains("at least one agent");
        snapshot(window.stage().getScene().getRoot(), "session-agents-one.png");
    }

    @Test
    void aRefusedChangeIsShownInline() {
        awaitReady();
        engine().createAgent(new AgentDefinition(null, "ml-predictor", null, List.of("pilothouse", "reference-agent"),
                null, null, Map.of(), 0, new Resources(null, null, null), null, null, null));
        engine().create(CreateRequest.of("paused", "reference"), null);
        engine().pause("paused");
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("paused") != null
                && shownRow("paused").state() == SessionState.IDLE);
        await().untilAsserted(() -> clickRow("paused"));
        awaitPaneIsSelection("paused");
        press(KeyCode.CONTROL).press(KeyCode.DIGIT1).release(KeyCode.DIGIT1).release(KeyCode.CONTROL);
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() ->
                ((Label) window.stage().getScene().lookup("#agents-hint")).getText()).contains("when the session resumes"));

        // the agent is deleted after the choice was filled: the engine's refusal shows under the agents
        MenuButton add = node("#add-agent");
        clickOn(add);
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() -> add.getItems().stream().map(MenuItem::getText)
                .toList()).contains("ml-predictor"));
        engine().deleteAgent("ml-predictor");
        clickOn("ml-predictor");
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() ->
                ((Label) window.stage().getScene().lookup("#agents-status")).getText()).contains("no agent named 'ml-predictor'"));
        assertThat(agentsOf("paused")).containsExactly("reference");
    }
}
