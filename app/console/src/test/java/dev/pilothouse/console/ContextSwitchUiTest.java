package dev.pilothouse.console;

import dev.pilothouse.testing.TestRuntimes;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two contexts, both real local runtimes under different names: the switch itself is what is tested. */
class ContextSwitchUiTest extends ConsoleTestBase {

    @Override
    protected Supplier<EngineOperations> engineOpener() {
        Runtimes two = TestRuntimes.withContext(dataDir, "lab",
                () -> new LocalRuntime("lab", dataDir.resolve("lab-sessions"), 2000));
        return () -> Engine.open(EngineConfig.of(dataDir).withBackground(true), two);
    }

    @AfterEach
    void stopLab() {
        try (LocalRuntime lab = new LocalRuntime("lab", dataDir.resolve("lab-sessions"), 2000)) {
            lab.volumes().forEach(lab::stop);
        }
    }

    @Test
    void switchingContextShowsThatContextsSessions() {
        awaitReady();
        engine().create(CreateRequest.of("here", "reference"), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("here") != null);

        @SuppressWarnings("unchecked")
        ComboBox<String> chooser = lookup("#context-chooser").queryAs(ComboBox.class);
        assertThat(chooser.getItems()).containsExactly("local", "lab");
        clickOn("#context-chooser");
        clickOn("lab");
        await().atMost(Duration.ofSeconds(15)).until(() -> lookup("#status-text").queryAs(Label.class).getText()
                .equals("Context lab") && table().getItems().isEmpty());

        // a session created now goes to the chosen context
        clickOn("#new-session");
        clickOn("#session-name").write("over-there");
        await().until(() -> !lookup("#create").query().isDisabled());
        clickOn("#create");
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("over-there") != null
                && shownRow("over-there").state() == SessionState.READY);
        assertThat(shownRow("over-there").context()).isEqualTo("lab");
        assertThat(shownRow("here")).isNull();

        interact(() -> chooser.setValue("local"));
        await().atMost(Duration.ofSeconds(15)).until(() -> shownRow("here") != null && shownRow("over-there") == null);
    }

    @Test
    void theCommandLinesContextIsShownFirstAndAnUnknownOneIsSaid() {
        awaitReady();
        interact(window::close);

        // pilothouse --context lab
        ConsoleWindow[] again = new ConsoleWindow[1];
        interact(() -> again[0] = ConsoleWindow.show(new javafx.stage.Stage(), dataDir, engineOpener(), folder -> false,
                FilePicker.platform(), "lab"));
        try {
            javafx.scene.Scene scene = again[0].stage().getScene();
            await().atMost(Duration.ofSeconds(30)).until(() -> again[0].engine() != null
                    && ((Label) scene.lookup("#status-text")).getText().equals("Context lab"));
        } finally {
            interact(again[0]::close);
        }

        // pilothouse --context nope: the window opens on what it can show, and says why
        interact(() -> again[0] = ConsoleWindow.show(new javafx.stage.Stage(), dataDir, engineOpener(), folder -> false,
                FilePicker.platform(), "nope"));
        try {
            javafx.scene.Scene scene = again[0].stage().getScene();
            await().atMost(Duration.ofSeconds(30)).until(() -> again[0].engine() != null
                    && ((Label) scene.lookup("#status-text")).getText().startsWith("Context "));
            interact(() -> ((javafx.scene.control.Button) scene.lookup("#notifications")).fire());
            @SuppressWarnings("unchecked")
            javafx.scene.control.ListView<NotificationCenter.Entry> history = lookup("#notification-history")
                    .queryAs(javafx.scene.control.ListView.class);
            assertThat(history.getItems()).anySatisfy(e -> assertThat(e.text())
                    .contains("No context 'nope' (from --context); the contexts are local, lab"));
        } finally {
            interact(again[0]::close);
        }
    }

    @Test
    void theLastContextIsRememberedAcrossRestarts() {
        awaitReady();
        @SuppressWarnings("unchecked")
        ComboBox<String> chooser = lookup("#context-chooser").queryAs(ComboBox.class);
        interact(() -> chooser.setValue("lab"));
        await().atMost(Duration.ofSeconds(15)).until(() -> lookup("#status-text").queryAs(Label.class).getText()
                .equals("Context lab"));
        interact(window::close);

        ConsoleWindow[] again = new ConsoleWindow[1];
        interact(() -> again[0] = ConsoleWindow.show(new javafx.stage.Stage(), dataDir, engineOpener()));
        try {
            javafx.scene.Scene scene = again[0].stage().getScene();
            await().atMost(Duration.ofSeconds(30)).until(() -> again[0].engine() != null
                    && ((Label) scene.lookup("#status-text")).getText().equals("Context lab"));
            assertThat(((ComboBox<?>) scene.lookup("#context-chooser")).getValue()).isEqualTo("lab");
        } finally {
            interact(again[0]::close);
        }
    }
}
