package dev.pilothouse.console.logs;

import atlantafx.base.theme.PrimerLight;
import dev.pilothouse.runtime.LogLine;
import javafx.application.Application;
import javafx.geometry.VerticalDirection;
import javafx.scene.Scene;
import javafx.scene.input.ScrollEvent;
import javafx.scene.input.MouseEvent;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;

@ExtendWith(ApplicationExtension.class)
class DebugTest {
    LogViewer viewer;

    @Start
    void start(Stage stage) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        viewer = new LogViewer();
        stage.setScene(new Scene(viewer, 900, 400));
        stage.show();
        stage.getScene().addEventFilter(ScrollEvent.ANY, e -> System.out.println("SCROLL " + e));
        stage.getScene().addEventFilter(MouseEvent.MOUSE_PRESSED, e -> System.out.println("PRESS " + e.getTarget()));
    }

    @Test
    void debug(FxRobot robot) throws Exception {
        viewer.append(List.of(new LogLine(null, "short"), new LogLine(null, "start " + "0123456789 ".repeat(40)), new LogLine(null, "x")));
        WaitForAsyncUtils.sleep(500, java.util.concurrent.TimeUnit.MILLISECONDS);
        LineView v = (LineView) viewer.lookup(".log-lines");
        robot.moveTo(v).scroll(2, VerticalDirection.UP);
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn(".log-wrap");
        WaitForAsyncUtils.sleep(500, java.util.concurrent.TimeUnit.MILLISECONDS);
        WaitForAsyncUtils.asyncFx(() -> {
            System.out.println("wrap=" + viewer.wrapProperty().get() + " follow=" + viewer.followProperty().get());
            for (LineRow r : v.shownRows()) System.out.println(r.getLayoutY() + " h=" + r.getHeight() + " th=" + r.textHeight() + " " + r.shownText().length());
            System.out.println("lineview " + v.getWidth() + "x" + v.getHeight());
        }).get();
        robot.clickOn(v.shownRows().get(0));
    }
}
