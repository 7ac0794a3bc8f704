package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session exported through its context menu as one bundle file and imported from the ⋮ menu as a
 * new session, in the real console; a bad bundle is refused in the dialog and makes nothing.
 */
class BundlesUiTest extends ConsoleTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path local;

    @Test
    void aSessionIsExportedWithItsWorkspaceAndImportedUnderAnotherName() throws Exception {
        awaitReady();
        engine().create(CreateRequest.of("source", "reference"), null);
        engine().send("source", null, "$ mkdir -p data && echo 42 > data/answer.txt && echo stored", null);
        await().atMost(WAIT).until(() -> shownRow("source") != null && shownRow("source").state() == SessionState.READY);
        // sampled every 5 s: the dialog shows the workspace's size from the latest reading
        String id = engine().session("source").id();
        await().atMost(WAIT).until(() -> engine().readings().get(id) != null
                && engine().readings().get(id).workspaceBytes() != null);

        // Export… from the table's context menu
        await().untilAsserted(() -> clickRow("source"));
        awaitPaneIsSelection("source");
        fire("menu-export");
        await().atMost(WAIT).until(() -> lookup("#export-file").tryQuery().isPresent());
        TextField file = lookup("#export-file").queryAs(TextField.class);
        assertThat(file.getText()).endsWith("source.bundle.tar.gz");
        await().atMost(WAIT).until(() -> label("#export-workspace-size").getText().matches("\\(\\d+ files, .+\\)"));

        // a folder that does not exist is refused inline, and the dialog stays to fix it
        saveAsAnswer.set(local.resolve("missing/source.bundle.tar.gz"));
        clickOn("#export-choose");
        assertThat(file.getText()).isEqualTo(local.resolve("missing/source.bundle.tar.gz").toString());
        clickOn("#do-export");
        await().atMost(WAIT).until(() -> label("#export-error").getText().contains("there is no folder"));
        assertThat(lookup("#export-file").tryQuery()).as("the dialog stays").isPresent();

        Path bundle = local.resolve("shared.bundle.tar.gz");
        saveAsAnswer.set(bundle);
        clickOn("#export-choose");
        assertThat(label("#export-error").getText()).as("a new file clears the old error").isEmpty();
        clickOn("#export-workspace");
        snapshot(lookup("#export-file").query().getScene().getRoot(), "export-dialog.png");
        java.util.List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        label("#export-progress-text").textProperty().addListener((o, was, now) -> progress.add(now));
        clickOn("#do-export");
        await().atMost(WAIT).until(() -> lookup("#export-file").tryQuery().isEmpty());
        assertThat(window.controller().messages()).anyMatch(m -> m.startsWith("Exported source with its workspace to "
                + bundle + " ("));
        assertThat(bundle).isRegularFile();
        assertThat(progress).as("progress while it ran").anyMatch(t -> t.startsWith("Gathering the session"));
        try (var left = Files.list(local)) {
            assertThat(left).containsExactly(bundle); // no .part beside it
        }

        // Import bundle… from the ⋮ menu: the name is checked as everywhere, then the copy is made and selected
        clickOn("#app-menu").clickOn("Import bundle…");
        await().atMost(WAIT).until(() -> lookup("#import-file").tryQuery().isPresent());
        assertThat(lookup("#do-import").query().isDisabled()).as("no file yet").isTrue();
        openAnswer.set(bundle);
        clickOn("#import-choose");
        assertThat(lookup("#import-file").queryAs(TextField.class).getText()).isEqualTo(bundle.toString());
        clickOn("#import-name").write("Not A Name");
        assertThat(label("#import-name-message").getText()).contains("session name");
        assertThat(lookup("#do-import").query().isDisabled()).isTrue();
        clickOn("#import-name").push(KeyCode.CONTROL, KeyCode.A).write("source");
        assertThat(label("#import-name-message").getText()).contains("'source' already exists");
        clickOn("#import-name").push(KeyCode.CONTROL, KeyCode.A).write("source-copy");
        assertThat(label("#import-name-message").getText()).isEmpty();
        snapshot(lookup("#import-file").query().getScene().getRoot(), "import-dialog.png");
        clickOn("#do-import");

        await().atMost(Duration.ofSeconds(60)).until(() -> selected() != null && selected().name().equals("source-copy"));
        assertThat(lookup("#import-file").tryQuery()).isEmpty();
        Session copy = engine().session("source-copy");
        assertThat(copy.id()).isNotEqualTo(engine().session("source").id());
        assertThat(engine().messages("source-copy", 0, null, 100)).extracting(Message::content)
                .isEqualTo(engine().messages("source", 0, null, 100).stream().map(Message::content).toList())
                .anyMatch(c -> c.contains("stored"));
        assertThat(engine().workspaces().text("source-copy", "data/answer.txt", 0, 100).text()).isEqualTo("42\n");
        assertThat(window.controller().messages()).anyMatch(m -> m.equals("Imported source-copy from " + bundle + "."));
        // its conversation says where the copied messages came from: an import, not a remix's parent
        interact(() -> window.controller().detail().selectTab(2));
        await().atMost(WAIT).until(() -> lookup("#messages .message-header").queryAll().stream()
                .anyMatch(n -> n.isVisible() && ((javafx.scene.control.Label) n).getText().endsWith(" · imported with the bundle")));
        assertThat(lookup("#messages .message-header").queryAll().stream().map(n -> ((javafx.scene.control.Label) n).getText()))
                .noneMatch(t -> t.contains("parent"));
    }

    @Test
    void aBadBundleIsRefusedInTheDialogAndNothingIsMade() throws Exception {
        awaitReady();
        engine().create(CreateRequest.of("kept", "reference"), null);
        await().atMost(WAIT).until(() -> shownRow("kept") != null);
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        engine().exportBundle("kept", false, whole);
        Path notABundle = Files.writeString(local.resolve("notes.bundle.tar.gz"), "just some text");
        Path truncated = Files.write(local.resolve("cut.bundle.tar.gz"),
                Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
        Path head = Files.createDirectories(local.resolve("future/bundle"));
        Files.writeString(head.resolve("bundle.json"),
                "{\"format\":\"pilothouse-session-bundle\",\"version\":99,\"pilothouse\":\"9.0.0\"}");
        Path newer = local.resolve("newer.bundle.tar.gz");
        try (var out = Files.newOutputStream(newer)) {
            dev.pilothouse.workspace.Tarballs.pack(head, "bundle", out);
        }

        clickOn("#app-menu").clickOn("Import bundle…");
        await().atMost(WAIT).until(() -> lookup("#import-file").tryQuery().isPresent());
        openAnswer.set(notABundle);
        clickOn("#import-choose");
        clickOn("#import-name").write("from-text");
        clickOn("#do-import");
        await().atMost(WAIT).until(() -> label("#import-error").getText().contains("nothing was imported"));
        assertThat(label("#import-error").getText()).startsWith("Not imported: ");

        openAnswer.set(truncated);
        clickOn("#import-choose");
        assertThat(label("#import-error").getText()).as("a new file clears the old error").isEmpty();
        clickOn("#do-import");
        await().atMost(WAIT).until(() -> label("#import-error").getText().contains("nothing was imported"));
        snapshot(lookup("#import-file").query().getScene().getRoot(), "import-dialog-bad.png");

        openAnswer.set(newer);
        clickOn("#import-choose");
        clickOn("#do-import");
        await().atMost(WAIT).until(() -> label("#import-error").getText().contains("made by a newer Pilothouse"));
        assertThat(label("#import-error").getText()).contains("bundle version 99").contains("nothing was imported");
        snapshot(lookup("#import-file").query().getScene().getRoot(), "import-dialog-newer.png");

        assertThat(lookup("#do-import").query().isDisabled()).as("ready to try another file").isFalse();
        assertThat(engine().sessions(true)).extracting(Session::name).containsExactly("kept");
        assertThat(onFx(() -> window.controller().model().rows().size())).isEqualTo(1);
        clickOn(lookup("#import-file").query().getScene().getRoot().lookupAll(".button").stream()
                .map(n -> (Button) n).filter(b -> b.getText().equals("Cancel")).findFirst().orElseThrow());
        await().atMost(WAIT).until(() -> lookup("#import-file").tryQuery().isEmpty());
    }

    private Label label(String id) {
        return lookup(id).queryAs(Label.class);
    }

    /** Chooses an item of the table's context menu, as a right click shows it. */
    private void fire(String id) {
        ContextMenu menu = onFx(() -> table().getContextMenu());
        interact(() -> menu.show(window.stage()));
        MenuItem item = onFx(() -> menu.getItems().stream().filter(i -> id.equals(i.getId())).findFirst().orElseThrow());
        assertThat(onFx(item::isDisable)).isFalse();
        interact(() -> {
            item.fire();
            menu.hide();
        });
    }
}
