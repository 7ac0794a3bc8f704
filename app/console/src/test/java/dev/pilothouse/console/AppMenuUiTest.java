package dev.pilothouse.console;

import dev.pilothouse.engine.BuildInfo;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AppMenuUiTest extends ConsoleTestBase {

    @Test
    void theMenuOpensTheLogFolderAndAboutNamesTheVersionAndPaths() {
        awaitReady();
        robot.clickOn("#app-menu").clickOn("Open log folder");
        await().atMost(Duration.ofSeconds(10)).until(() -> !opened.isEmpty());
        assertThat(opened).containsExactly(dataDir.resolve("logs"));
        assertThat(Files.isDirectory(dataDir.resolve("logs"))).as("created if no log was written yet").isTrue();

        robot.clickOn("#app-menu").clickOn("About Pilothouse");
        await().atMost(Duration.ofSeconds(10)).until(() -> robot.lookup("#about-text").tryQuery().isPresent());
        String about = robot.lookup("#about-text").queryAs(Label.class).getText();
        assertThat(about).contains("Version " + BuildInfo.version())
                .contains("Java " + System.getProperty("java.version"))
                .contains("Data: " + dataDir)
                .contains("Logs: " + dataDir.resolve("logs"));
        snapshot(robot.lookup("#about").query(), "about.png");
    }
}
