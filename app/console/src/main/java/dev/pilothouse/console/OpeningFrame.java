package dev.pilothouse.console;

import javafx.animation.PauseTransition;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.util.Duration;

import java.nio.file.Path;

/**
 * What the window shows while the main window is built: its frame where it was last time, in the
 * chosen theme, saying which data dir is opening. The main window's controls, stylesheet pass and
 * layout take a cold JVM most of two seconds (docs/performance.md, "Start-up"), during which the FX
 * thread draws nothing; the operator sees the window that much sooner.
 */
final class OpeningFrame {
    /** Where no window manager focuses a new window, how long it gets to be mapped before the build begins. */
    private static final Duration MAP_WAIT = Duration.millis(400);
    private static final int PULSES = 8;

    private OpeningFrame() {
    }

    /** Shows the opening frame on {@code stage}, then runs {@code then} once that frame is on screen. */
    static void show(Stage stage, ConsoleSettings settings, Path dataDir, Runnable then) {
        Themes.apply(settings.dark);
        Label title = new Label("Pilothouse");
        title.getStyleClass().add("title-3");
        Label what = new Label("Opening " + dataDir + " …");
        what.getStyleClass().add("muted");
        VBox box = new VBox(8, title, what);
        box.setAlignment(Pos.CENTER);
        box.setId("opening");
        Scene scene = new Scene(box, settings.width, settings.height);
        Themes.style(scene, settings.dark);
        stage.setScene(scene);
        stage.setTitle("Pilothouse");
        ConsoleWindow.placeAsLastTime(stage, settings);
        // A frame drawn before the window system has mapped the window never reaches the screen; one
        // drawn after reaches it only once the FX thread has handed its pixels over, which it does
        // between pulses (software rendering); and the build that follows holds the FX thread for a
        // second or more. So: wait until the window is mapped (the window system then focuses it),
        // then a few pulses (Xvfb, screenshots: 2 were too few, 12 enough at 60 a second).
        boolean[] started = new boolean[1];
        Runnable onScreen = () -> {
            if (!started[0]) {
                started[0] = true;
                StartupTimes.afterPulses(PULSES, () -> {
                    StartupTimes.firstFrameShown();
                    then.run();
                });
            }
        };
        stage.focusedProperty().addListener((o, was, focused) -> {
            if (focused) {
                onScreen.run();
            }
        });
        PauseTransition fallback = new PauseTransition(MAP_WAIT);
        fallback.setOnFinished(e -> onScreen.run());
        stage.show();
        fallback.play();
    }
}
