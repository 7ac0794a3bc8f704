package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RemixUiTest extends ConsoleTestBase {

    @Test
    void remixThroughTheDialogMakesAChildWithTheParentsWorkspace() throws Exception {
        awaitReady();
        Session parent = engine().create(CreateRequest.of("analysis", "reference").withMetadata("{\"project\":\"q4\"}")
                .withPrompt("$ mkdir -p data && echo 42 > data/answer.txt"), null).session();
        engine().pause("analysis");
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("analysis") != null
                && shownRow("analysis").state() == SessionState.IDLE);

        clickRow("analysis");
        press(KeyCode.CONTROL).press(KeyCode.R).release(KeyCode.R).release(KeyCode.CONTROL);
        await().until(() -> lookup("#remix-summary").tryQuery().isPresent());
        Label summary = lookup("#remix-summary").queryAs(Label.class);
        await().until(() -> !lookup("#do-remix").query().isDisabled());
        assertThat(summary.getText()).contains("name analysis-N").contains("workspace copied")
                .contains("conversation not copied");

        // a bad value is refused inline, and nothing happens until it is fixed
        clickOn("#metadata").push(KeyCode.CONTROL, KeyCode.A).write("{not json");
        assertThat(lookup("#metadata-message").queryAs(Label.class).getText()).contains("metadata is not valid JSON");
        assertThat(lookup("#do-remix").query().isDisabled()).isTrue();
        clickOn("#metadata").push(KeyCode.CONTROL, KeyCode.A).write("{\"project\":\"q4\",\"phase\":\"viz\"}");
        clickOn("#remix-name").write("analysis-viz");
        await().until(() -> summary.getText().contains("name analysis-viz")
                && summary.getText().contains("\"phase\":\"viz\""));
        clickOn("#do-remix");

        // the dialog closes when the volume is copied, and the child is selected
        await().atMost(Duration.ofSeconds(30)).until(() -> lookup("#remix-summary").tryQuery().isEmpty());
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("analysis-viz") != null
                && shownRow("analysis-viz").state() == SessionState.READY);
        assertThat(selected().name()).isEqualTo("analysis-viz");
        Session child = shownRow("analysis-viz");
        assertThat(child.parentSessionId()).isEqualTo(parent.id());
        assertThat(child.metadata()).contains("\"phase\":\"viz\"");
        Path workspace = Path.of(engine().volumeLocation(child));
        assertThat(Files.readString(workspace.resolve("data/answer.txt"))).isEqualTo("42\n");
        // the parent's lineage now names the child
        select("analysis");
        await().until(() -> lookup("#children").lookup(".hyperlink").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.Hyperlink) n).getText().equals("analysis-viz")));
    }

    @Test
    void theDialogShowsCopyProgress() throws Exception {
        awaitReady();
        Session parent = engine().create(CreateRequest.of("big", "reference")
                .withPrompt("$ for i in $(seq 1 400); do head -c 20000 /dev/urandom > f$i.bin; done"), null).session();
        engine().pause("big");
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("big") != null && shownRow("big").state() == SessionState.IDLE);
        clickRow("big");
        clickOn("#remix");
        await().until(() -> !lookup("#do-remix").query().isDisabled());
        ProgressBar progress = lookup("#remix-progress").queryAs(ProgressBar.class);
        java.util.List<Double> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        progress.progressProperty().addListener((o, a, b) -> seen.add(b.doubleValue()));
        clickOn("#do-remix");
        await().atMost(Duration.ofSeconds(60)).until(() -> lookup("#remix-progress").tryQuery().isEmpty());
        assertThat(seen).contains(1.0);
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("big-2") != null
                && shownRow("big-2").state() == SessionState.READY);
        assertThat(Files.list(Path.of(engine().volumeLocation(shownRow("big-2")))).filter(p -> p.toString().endsWith(".bin")))
                .hasSize(400);
        assertThat(parent.id()).isEqualTo(shownRow("big-2").parentSessionId());
    }

    private void select(String name) {
        interact(() -> window.controller().select(shownRow(name).id()));
    }
}
