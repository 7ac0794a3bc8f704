package dev.pilothouse.console;

import dev.pilothouse.console.files.FileDialogs;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.SessionState;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Window;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Files tab of the real console on a real session's workspace (docs/workspace.md). */
class FilesUiTest extends ConsoleTestBase {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path local;

    private final AtomicReference<Path> saveTo = new AtomicReference<>();
    private final List<Path> toUpload = new ArrayList<>();

    @Test
    void theWorkspaceIsBrowsedReadUploadedDownloadedAndDeletedFromTheFilesTab() throws IOException {
        awaitReady();
        engine().create(CreateRequest.of("browsed", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("browsed") != null
                && shownRow("browsed").state() == SessionState.READY);
        Path ws = Path.of(engine().volumeLocation(engine().session("browsed")));
        Files.createDirectories(ws.resolve("src"));
        Files.writeString(ws.resolve("src/main.py"), "print('hi')\n");
        Files.writeString(ws.resolve("notes.md"), "# Notes\nday one\n");
        String line = "0123456789".repeat(10) + "\n"; // 101 bytes
        Files.writeString(ws.resolve("big.log"), line.repeat(6000)); // 606,000 bytes: three pages
        Files.createSymbolicLink(ws.resolve("escape"), Path.of("/etc"));

        await().atMost(WAIT).untilAsserted(() -> clickRow("browsed"));
        interact(() -> window.controller().detail().files().setDialogs(new FileDialogs() {
            @Override
            public Optional<Path> saveAs(Window owner, String suggestedName) {
                return Optional.ofNullable(saveTo.get());
            }

            @Override
            public List<Path> open(Window owner) {
                return List.copyOf(toUpload);
            }
        }));
        press(KeyCode.CONTROL).press(KeyCode.DIGIT6).release(KeyCode.DIGIT6).release(KeyCode.CONTROL);
        await().atMost(WAIT).until(() -> names().containsAll(List.of("src/", "big.log", "notes.md", "escape → /etc")));
        assertThat(names().indexOf("src/")).as("folders first").isZero();

        // a file is shown as text
        clickFile("notes.md");
        await().atMost(WAIT).until(() -> text().equals("# Notes\nday one\n"));
        assertThat(this.<Label>node("#file-page").getText()).isEqualTo("16 B, all shown");

        // a large one a page at a time
        clickFile("big.log");
        await().atMost(WAIT).until(() -> text().length() == 256 * 1024);
        assertThat(this.<Label>node("#file-page").getText()).isEqualTo("256.0 KiB of 591.8 KiB shown");
        clickOn("#file-more");
        await().atMost(WAIT).until(() -> text().length() == 512 * 1024);
        clickOn("#file-more");
        await().atMost(WAIT).until(() -> text().length() == 606_000);
        assertThat(text()).isEqualTo(line.repeat(6000));
        assertThat(this.<Node>node("#file-more").isVisible()).isFalse();

        // into a folder and back by the path above the list
        doubleClickFile("src/");
        await().atMost(WAIT).until(() -> names().equals(List.of("main.py")));
        assertThat(window.controller().detail().files().folder()).isEqualTo("src");
        Node top = lookup("#files-path .hyperlink").nth(0).query();
        clickOn(top);
        await().atMost(WAIT).until(() -> names().contains("notes.md"));

        // a link that leads out is refused with the reason
        doubleClickFile("escape → /etc");
        await().atMost(WAIT).until(() -> this.<Label>node("#file-page").getText()
                .contains("leads out of the workspace through a symbolic link"));

        // upload a file and a folder into the folder shown
        Path report = Files.writeString(local.resolve("report.csv"), "a,b\n1,2\n");
        Path data = Files.createDirectories(local.resolve("data"));
        Files.writeString(data.resolve("one.txt"), "one");
        toUpload.addAll(List.of(report, data));
        clickOn("#files-upload");
        await().atMost(WAIT).until(() -> names().containsAll(List.of("data/", "report.csv")));
        assertThat(Files.readString(ws.resolve("report.csv"))).isEqualTo("a,b\n1,2\n");
        assertThat(Files.readString(ws.resolve("data/one.txt"))).isEqualTo("one");

        // download a file as it is, and a folder as a tar.gz
        clickFile("notes.md");
        saveTo.set(local.resolve("notes-copy.md"));
        clickOn("#files-download");
        await().atMost(WAIT).until(() -> Files.exists(local.resolve("notes-copy.md")));
        assertThat(Files.readString(local.resolve("notes-copy.md"))).isEqualTo("# Notes\nday one\n");
        clickFile("src/");
        saveTo.set(local.resolve("src.tar.gz"));
        clickOn("#files-download");
        await().atMost(WAIT).until(() -> Files.exists(local.resolve("src.tar.gz")));
        assertThat(entries(local.resolve("src.tar.gz"))).containsExactlyInAnyOrder("src/", "src/main.py");
        try (var left = Files.list(local)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }

        // delete, confirmed, audited
        clickFile("notes.md");
        clickOn("#files-delete");
        confirm("Delete");
        await().atMost(WAIT).until(() -> !names().contains("notes.md"));
        assertThat(ws.resolve("notes.md")).doesNotExist();
        assertThat(engine().events("browsed", 0, 1000)).filteredOn(e -> e.kind().equals(AuditEvent.WORKSPACE))
                .extracting(AuditEvent::reason).anyMatch(r -> r.startsWith("delete notes.md"));

        clickFile("big.log");
        await().atMost(WAIT).until(() -> text().length() == 256 * 1024);
        snapshot(window.stage().getScene().getRoot(), "console-files-tab.png");
    }

    @Test
    void aDeletedSessionsWorkspaceIsReadButNotChanged() throws IOException {
        awaitReady();
        engine().create(CreateRequest.of("gone", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("gone") != null
                && shownRow("gone").state() == SessionState.READY);
        Files.writeString(Path.of(engine().volumeLocation(engine().session("gone"))).resolve("kept.txt"), "kept");
        engine().delete("gone");
        clickOn("#show-deleted");
        await().atMost(WAIT).untilAsserted(() -> clickRow("gone"));
        press(KeyCode.CONTROL).press(KeyCode.DIGIT6).release(KeyCode.DIGIT6).release(KeyCode.CONTROL);
        await().atMost(WAIT).until(() -> names().contains("kept.txt"));
        clickFile("kept.txt");
        await().atMost(WAIT).until(() -> text().equals("kept"));
        assertThat(this.<Button>node("#files-upload").isDisabled()).isTrue();
        assertThat(this.<Button>node("#files-upload").getTooltip().getText())
                .isEqualTo("A deleted session's workspace can be read until it is purged, not changed");
        assertThat(this.<Button>node("#files-delete").isDisabled()).isTrue();
        assertThat(this.<Button>node("#files-download").isDisabled()).isFalse();
    }

    @SuppressWarnings("unchecked")
    private TableView<dev.pilothouse.workspace.FileEntry> filesTable() {
        return (TableView<dev.pilothouse.workspace.FileEntry>) window.stage().getScene().lookup("#files-table");
    }

    private List<String> names() {
        return onFx(() -> filesTable().getItems().stream().map(e -> switch (e.type()) {
            case DIRECTORY -> e.name() + "/";
            case LINK -> e.name() + " → " + e.target();
            default -> e.name();
        }).toList());
    }

    private String text() {
        return onFx(() -> this.<TextArea>node("#file-text").getText());
    }

    private Node fileCell(String name) {
        return await().atMost(WAIT).until(() -> onFx(() -> filesTable().lookupAll(".table-cell").stream()
                .filter(n -> n instanceof TableCell<?, ?> c && name.equals(c.getText()) && c.isVisible())
                .findFirst().orElse(null)), n -> n != null);
    }

    private void clickFile(String name) {
        clickOn(fileCell(name));
    }

    private void doubleClickFile(String name) {
        doubleClickOn(fileCell(name), MouseButton.PRIMARY);
    }

    private static List<String> entries(Path tarGz) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(tarGz);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
