package dev.pilothouse.console;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.EngineConfig;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The window as it opens: says it is loading (not "No content in table"), focus in the table, not the namespace. */
class StartUiTest extends ConsoleTestBase {
    private final CountDownLatch open = new CountDownLatch(1);

    @Override
    protected Supplier<EngineOperations> engineOpener() {
        return () -> {
            try {
                open.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Engine.open(EngineConfig.of(dataDir).withBackground(true));
        };
    }

    @AfterEach
    void release() {
        open.countDown();
    }

    @Test
    void theWindowSaysItIsLoadingAndFocusIsNotInTheNamespace() {
        TableView<?> table = lookup("#sessions").queryAs(TableView.class);
        assertThat(((Label) table.getPlaceholder()).getText()).isEqualTo("Opening the data dir…");
        open.countDown();
        awaitReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup("#welcome").query().isVisible());
        Node focus = onFx(() -> window.stage().getScene().getFocusOwner());
        // an empty context shows the welcome, whose first session button has the focus; else the table
        assertThat(focus).as("focus starts in the table or on the welcome, not in the namespace field")
                .isIn(table, lookup("#welcome-create").query());
    }

    @Test
    void withoutAFileManagerTheMenuSaysWhereTheLogFolderIs() {
        open.countDown();
        desktopOpensFolders = false;
        awaitReady();
        clickOn("#app-menu").clickOn("Open log folder");
        await().atMost(Duration.ofSeconds(10)).until(() -> !opened.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> window.controller().messages().stream()
                .anyMatch(m -> m.contains(dataDir.resolve("logs").toString())));
        assertThat(onFx(() -> javafx.scene.input.Clipboard.getSystemClipboard().getString()))
                .isEqualTo(dataDir.resolve("logs").toString());
    }
}
