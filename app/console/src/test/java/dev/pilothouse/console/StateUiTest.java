package dev.pilothouse.console;

import dev.pilothouse.console.detail.StateDiagram;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

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
}
