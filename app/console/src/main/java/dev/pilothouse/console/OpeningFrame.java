package dev.pilothouse.console;

import javafx.animation.PauseTransition;
import javafx.beans.value.ChangeListener;
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
public final class OpeningFrame {
    /** Where no window manager focuses a new window, how long it gets to be mapped before the build begins. */
    private static final Duration MAP_WAIT = Duration.millis(400);
    /** Pulses from the window mapped to the build: its frame's pixels reach the window between pulses. */
    private static final int PULSES = 8;

    private final Stage stage;
    private final Runnable then;
    private final ChangeListener<Boolean> focus = (o, was, focused) -> {
        if (focused) {
            mapped();
        }
    };
    private boolean started;

    private OpeningFrame(Stage stage, Runnable then) {
        this.stage = stage;
        this.then = then;
    }

    /** Shows the opening frame on {@code stage}, then runs {@code then} once that frame is on screen. */
    static void show(Stage stage, ConsoleSettings settings, Path dataDir, Runnable then) {
        Themes.apply(settings.dark);
        Scene scene = new Scene(content("Opening " + dataDir + " …"), settings.width, settings.height);
        Themes.style(scene, settings.dark);
        stage.setScene(scene);
        stage.setTitle("Pilothouse");
        ConsoleWindow.placeAsLastTime(stage, settings);
        new OpeningFrame(stage, then).showAndWait();
    }

    /** The frame's content: the name and what is opening (the launcher's splash image is drawn from it too). */
    public static VBox content(String opening) {
        Label title = new Label("Pilothouse");
        title.getStyleClass().add("title-3");
        Label what = new Label(opening);
        what.getStyleClass().add("muted");
        VBox box = new VBox(8, title, what);
        box.setAlignment(Pos.CENTER);
        box.setId("opening");
        return box;
    }

    /**
     * A frame drawn before the window system has mapped the window never reaches the screen; one
     * drawn after reaches it once the FX thread has handed its pixels over, which it does between
     * pulses (software rendering); and the build that follows holds the FX thread for a second or
     * more. So the build waits until the window is mapped (the window system then focuses it) and a
     * few pulses more. Screenshots on Xvfb every 0.2 s: building two pulses after the first frame
     * left the window blank until the main window came; eight pulses after the focus showed the text.
     */
    private void showAndWait() {
        stage.focusedProperty().addListener(focus);
        PauseTransition fallback = new PauseTransition(MAP_WAIT);
        fallback.setOnFinished(e -> mapped());
        stage.show();
        fallback.play();
    }

    private void mapped() {
        if (started) {
            return;
        }
        started = true;
        stage.focusedProperty().removeListener(focus);
        // the pulses below also repaint what the splash covered
        Splash.close();
        StartupTimes.afterPulses(PULSES, () -> {
            if (stage.isShowing()) { // closed meanwhile: nothing to build
                StartupTimes.firstFrameShown();
                then.run();
            }
        });
    }
}
