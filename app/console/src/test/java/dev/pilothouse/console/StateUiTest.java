package dev.pilothouse.console;

import dev.pilothouse.console.detail.StateDiagram;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class StateUiTest extends ConsoleTestBase {

    @Test
    void theDiagramFollowsARealTransition() {
        awaitReady();
        engine().create(CreateRequest.of("watched", "reference"), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("watched") != null
                && shownRow("watched").state() == SessionState.READY);
        clickRow("watched");
        awaitPaneIsSelection("watched");
        // a tab's content joins the scene when the tab is first selected: the seven tabs' first CSS
        // pass at once held the window most of a second just after the table showed
        assertThat(lookup("#transitions").tryQuery()).as("the State tab's timeline before the tab is selected").isEmpty();
        press(KeyCode.CONTROL).press(KeyCode.DIGIT2).release(KeyCode.DIGIT2).release(KeyCode.CONTROL);
        StateDiagram diagram = window.controller().detail().diagram();
        await().until(() -> diagram.current() == SessionState.READY);
        assertThat(lookup("#phase-badge").queryAs(Label.class).getText()).isEqualTo("RUNNING");

        // pause from the toolbar: the engine moves READY -> IDLE and the diagram follows live
        clickOn("#pause");
        await().atMost(Duration.ofSeconds(15)).until(() -> diagram.current() == SessionState.IDLE);
        assertThat(diagram.lastTransition()).isEqualTo("READY>IDLE");
        await().atMost(Duration.ofSeconds(5)).until(() -> "IDLE".equals(drawnState("watched")));
        await().until(() -> "PAUSED".equals(lookup("#phase-badge").queryAs(Label.class).getText()));
        TableView<?> timeline = lookup("#transitions").queryAs(TableView.class);
        await().until(() -> timeline.getItems().size() >= 2);
        assertThat(timeline.getItems().get(0).toString()).contains("from=READY").contains("to=IDLE").contains("actor=");

        // a send from elsewhere (the engine, as the CLI would) resumes it: IDLE -> READY -> BUSY -> READY
        engine().send("watched", null, "$ echo hello", null);
        await().atMost(Duration.ofSeconds(15)).until(() -> diagram.current() == SessionState.READY
                && "BUSY>READY".equals(diagram.lastTransition()));
        assertThat(lookup("#state-READY").query().getStyleClass()).contains("current");
    }

    @Test
    void aSessionWhoseAgentCrashedAtStartShowsPhaseFailedAndTheWholeReasonOnHover() {
        awaitReady();
        engine().createAgent(new AgentDefinition(null, "broken-tool", null,
                List.of("sh", "-c", "echo 'fatal: config.yaml not found' >&2; exit 3"), null, null, Map.of(),
                AgentDefinition.DEFAULT_PORT, Resources.DEFAULT, null, null, null));
        engine().create(CreateRequest.of("broken", "broken-tool"), null);
        await().atMost(Duration.ofSeconds(20)).until(() -> shownRow("broken") != null
                && shownRow("broken").state() == SessionState.ERROR);
        clickRow("broken");
        press(KeyCode.CONTROL).press(KeyCode.DIGIT2).release(KeyCode.DIGIT2).release(KeyCode.CONTROL);
        Label badge = lookup("#phase-badge").queryAs(Label.class);
        await().until(() -> "FAILED".equals(badge.getText()));
        assertThat(badge.getPseudoClassStates()).extracting(Object::toString).contains("failed");
        Label reason = (Label) badge.getParent().getChildrenUnmodifiable().get(2);
        assertThat(reason.getTooltip()).isNotNull();
        assertThat(reason.getTooltip().getText()).contains("exited with code 3").contains("fatal: config.yaml not found");
    }
}
