package dev.pilothouse.console;

import dev.pilothouse.agent.AgentDefinition;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AgentsUiTest extends ConsoleTestBase {

    @Test
    void aDefinitionIsEditedWithLiveValidation() {
        awaitReady();
        AgentDefinition ref = engine().agent("reference");
        engine().createAgent(new AgentDefinition(null, "helper", null, ref.command(), null, null, ref.env(), 0,
                ref.resources(), null, null, null));
        clickOn("#agents");
        await().until(() -> lookup("#agent-table").tryQuery().isPresent());
        TableView<?> table = lookup("#agent-table").queryAs(TableView.class);
        await().until(() -> table.getItems().stream().anyMatch(a -> ((AgentDefinition) a).name().equals("helper")));
        clickOn("helper");
        await().until(() -> lookup("#agent-form-title").queryAs(Label.class).getText().equals("Edit agent 'helper'"));

        // two problems at once, each under its field; port 0 is refused, not turned into 8080
        doubleClickOn("#agent-port").push(KeyCode.CONTROL, KeyCode.A).write("0");
        clickOn("#agent-env").push(KeyCode.CONTROL, KeyCode.A).write("not a variable");
        assertThat(lookup("#agent-port-message").queryAs(Label.class).getText()).contains("Port 0");
        assertThat(lookup("#agent-env-message").queryAs(Label.class).getText()).contains("line 1");
        assertThat(lookup("#create-agent").query().isDisabled()).isTrue();
        snapshot(lookup("#agent-table").query().getScene().getRoot(), "agents-invalid.png");

        doubleClickOn("#agent-port").push(KeyCode.CONTROL, KeyCode.A).write("9123");
        clickOn("#agent-env").push(KeyCode.CONTROL, KeyCode.A).write("LOG_LEVEL=debug");
        clickOn("#agent-model").write("tiny-model");
        await().until(() -> !lookup("#create-agent").query().isDisabled());
        clickOn("#create-agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> "tiny-model".equals(engine().agent("helper").model()));
        AgentDefinition edited = engine().agent("helper");
        assertThat(edited.port()).isEqualTo(9123);
        assertThat(edited.env()).containsEntry("LOG_LEVEL", "debug");
        assertThat(edited.command()).isEqualTo(ref.command());
        assertThat(engine().agents(false)).extracting(AgentDefinition::name).containsOnlyOnce("helper", "reference");
    }
}
