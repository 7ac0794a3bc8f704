package dev.pilothouse.console.detail;

import dev.pilothouse.console.Snapshots;
import dev.pilothouse.console.Themes;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.StateMachine;
import javafx.scene.Scene;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(ApplicationExtension.class)
class StateDiagramTest {
    StateDiagram diagram;
    Scene scene;

    @Start
    void start(Stage stage) {
        Themes.apply(false);
        diagram = new StateDiagram();
        scene = new Scene(new StackPane(diagram), 680, 360);
        Themes.style(scene, false);
        stage.setScene(scene);
        stage.show();
    }

    @Test
    void drawsExactlyTheEnginesTransitionsAndHighlightsTheCurrentState(FxRobot robot) {
        long arrows = robot.lookup(".state-edge-group").queryAll().size();
        long allowed = StateMachine.table().values().stream().mapToLong(java.util.Set::size).sum();
        assertThat(arrows).isEqualTo(allowed);
        for (SessionState from : SessionState.values()) {
            for (SessionState to : SessionState.values()) {
                assertThat(robot.lookup("#edge-" + from + "-" + to).tryQuery().isPresent())
                        .as(from + " -> " + to).isEqualTo(StateMachine.allowed(from, to));
            }
        }
        robot.interact(() -> diagram.show(SessionState.BUSY, SessionState.READY));
        assertThat(robot.lookup("#state-BUSY").queryAs(javafx.scene.Node.class).getStyleClass()).contains("current");
        assertThat(diagram.lastTransition()).isEqualTo("READY>BUSY");
        robot.interact(() -> diagram.show(SessionState.READY, SessionState.BUSY));
        assertThat(robot.lookup("#state-BUSY").queryAs(javafx.scene.Node.class).getStyleClass()).doesNotContain("current");
        assertThat(diagram.lastTransition()).isEqualTo("BUSY>READY");
        // the flash settles at full opacity on the arrow just taken
        org.awaitility.Awaitility.await().until(() -> robot.lookup("#edge-BUSY-READY").query().getOpacity() == 1.0
                && robot.lookup("#state-READY").query().getOpacity() == 1.0);
        assertThat(robot.lookup(".state-edge-group").queryAll().stream().allMatch(e -> e.getOpacity() == 1.0)).isTrue();
        robot.interact(() -> Snapshots.write(diagram, Path.of("target/snapshots/state-diagram.png")));
    }
}
