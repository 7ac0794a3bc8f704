package dev.pilothouse.console;

import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CreateSessionUiTest extends ConsoleTestBase {

    @Test
    void aSessionCreatedInTheDialogShowsLiveUntilReady() {
        awaitReady();
        robot.clickOn("#new-session");
        robot.clickOn("#session-name").write("From-UI");
        await().until(() -> !robot.lookup("#name-message").queryAs(Label.class).getText().isEmpty());
        assertThat(robot.lookup("#name-message").queryAs(Label.class).getText()).contains("lowercase letters");
        assertThat(robot.lookup("#create").query().isDisabled()).isTrue();

        robot.doubleClickOn("#session-name").eraseText(7).write("from-ui");
        robot.clickOn("#waiting").write("soon");
        assertThat(robot.lookup("#waiting-message").queryAs(Label.class).getText()).contains("invalid waiting timeout");
        robot.doubleClickOn("#waiting").eraseText(4).write("10m");
        robot.clickOn("#prompt").write("$ echo created from the console");
        await().until(() -> !robot.lookup("#create").query().isDisabled());
        robot.clickOn("#create");

        // the row appears at once (INIT) and turns READY live
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("from-ui") != null);
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("from-ui").state() == SessionState.READY
                && shownRow("from-ui").owner() == null);
        assertThat(shownRow("from-ui").waitingTimeoutSeconds()).isEqualTo(600);
        // and the table draws it: the badge follows the session without a list change
        await().atMost(Duration.ofSeconds(5)).until(() -> "READY".equals(drawnState("from-ui")));
        // it is selected and its detail shows it
        assertThat(selected().name()).isEqualTo("from-ui");
        robot.press(KeyCode.CONTROL).press(KeyCode.DIGIT3).release(KeyCode.DIGIT3).release(KeyCode.CONTROL);
        await().atMost(Duration.ofSeconds(10)).until(() -> robot.lookup("#messages").lookup(".message-body")
                .queryAll().stream().anyMatch(n -> ((Label) n).getText().contains("created from the console")));
        snapshot(window.stage().getScene().getRoot(), "create-ready.png");
    }
}
