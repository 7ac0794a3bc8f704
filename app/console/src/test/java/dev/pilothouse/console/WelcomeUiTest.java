package dev.pilothouse.console;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WelcomeUiTest extends ConsoleTestBase {

    @Test
    void aNewDataDirOpensOnTheWelcomeAndOneClickMakesAWorkingSession() throws Exception {
        awaitReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> shown(node("#welcome")));
        assertThat(shown(node("#sessions"))).as("the empty table is hidden").isFalse();
        assertThat(robot.lookup("#welcome-title").queryAs(Label.class).getText()).isEqualTo("Welcome to Pilothouse");
        assertThat(robot.lookup("#welcome-contexts").queryAs(Label.class).getText()).contains("kubeconfig");
        snapshot(window.stage().getScene().getRoot(), "welcome.png");

        robot.clickOn("#welcome-create");

        // the session shows at once, selected, and becomes READY with the reference agent's first reply
        await().atMost(Duration.ofSeconds(10)).until(() -> selected() != null);
        assertThat(shown(node("#welcome"))).isFalse();
        assertThat(shown(node("#sessions"))).isTrue();
        String name = selected().name();
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow(name).state() == SessionState.READY
                && shownRow(name).owner() == null);
        Session s = shownRow(name);
        assertThat(s.agents()).extracting(a -> a.name()).containsExactly("reference");
        String workspaces = dataDir.toRealPath().toString();
        robot.press(KeyCode.CONTROL).press(KeyCode.DIGIT3).release(KeyCode.DIGIT3).release(KeyCode.CONTROL);
        await().atMost(Duration.ofSeconds(10)).until(() -> robot.lookup("#messages").lookup(".message-body")
                .queryAll().stream().anyMatch(n -> ((Label) n).getText().contains("Hello from " + workspaces)));
    }

    /** Visible on screen: the node and every parent. */
    private static boolean shown(javafx.scene.Node n) {
        for (javafx.scene.Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return true;
    }
}
