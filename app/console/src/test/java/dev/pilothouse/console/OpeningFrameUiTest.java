package dev.pilothouse.console;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.testing.FxHeadless;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationTest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The application's first frame: the window, sized as last time, saying what opens, then the main window in it. */
class OpeningFrameUiTest extends ApplicationTest {
    @TempDir
    Path dataDir;
    private Stage stage;
    private Scene opening;
    private final AtomicInteger built = new AtomicInteger();
    private volatile ConsoleWindow window;

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        ConsoleSettings settings = ConsoleSettings.load(dataDir);
        settings.width = 900;
        settings.height = 600;
        OpeningFrame.show(stage, settings, dataDir, () -> {
            built.incrementAndGet();
            window = ConsoleWindow.show(stage, dataDir, () -> Engine.open(EngineConfig.of(dataDir).withBackground(true)));
        });
        opening = stage.getScene();
    }

    @AfterEach
    void close() throws Exception {
        FxHeadless.fx(() -> {
            if (window != null) {
                window.close();
            }
            return null;
        });
    }

    @Test
    void theWindowShowsWhatOpensThenTheMainWindowOnce() throws Exception {
        assertThat(opening.getWidth()).as("the size the operator left it at").isEqualTo(900);
        Label what = (Label) opening.getRoot().lookup("#opening").lookup(".muted");
        assertThat(what.getText()).isEqualTo("Opening " + dataDir + " …");

        await().atMost(Duration.ofSeconds(30)).until(() -> window != null && window.engine() != null);
        assertThat(stage.getScene()).as("the main window replaced the opening frame").isNotSameAs(opening);
        assertThat(stage.getScene().lookup("#sessions")).isNotNull();
        // past the fallback for a window system that never focuses the window (0.4 s): still built once
        FxHeadless.awaitPulses(60);
        assertThat(built.get()).isEqualTo(1);
    }

    @Test
    void aWindowClosedWhileOpeningIsNotBuilt() throws Exception {
        AtomicInteger builtThere = new AtomicInteger();
        FxHeadless.fx(() -> {
            Stage other = new Stage();
            OpeningFrame.show(other, ConsoleSettings.load(dataDir), dataDir, builtThere::incrementAndGet);
            other.hide();
            return null;
        });
        // past the fallback (0.4 s) and the pulses after it
        FxHeadless.awaitPulses(60);
        assertThat(builtThere.get()).isZero();
    }
}
