package dev.pilothouse.console.files;

import dev.pilothouse.console.Cells;
import dev.pilothouse.console.Console;
import dev.pilothouse.engine.WorkspaceOperations;
import dev.pilothouse.session.Session;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.Tarballs;
import dev.pilothouse.workspace.WorkspacePath;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.Window;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignR;
import org.kordamp.ikonli.materialdesign2.MaterialDesignT;
import org.kordamp.ikonli.materialdesign2.MaterialDesignU;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The Files tab: the session's workspace as a folder browser (docs/workspace.md). A folder's
 * entries on the left, the selected file as text on the right; download a file or a folder (as a
 * tar.gz), upload files or folders (the buttons, or dropped on the list), delete (confirmed). What
 * the engine refuses (a path leading out, a runtime that cannot show files) is said under the list.
 * Loaded when the tab is opened, not on every change of the session: files change all the time.
 */
public final class FilesPane extends BorderPane {
    private final Console console;
    private final ObservableList<FileEntry> entries = FXCollections.observableArrayList();
    private final TableView<FileEntry> table = new TableView<>(entries);
    private final HBox crumbs = new HBox(2);
    private final Button up = iconButton("files-up", MaterialDesignA.ARROW_UP, "Up one folder");
    private final Button refresh = iconButton("files-refresh", MaterialDesignR.REFRESH, "Reload this folder");
    private final Button upload = new Button("Upload…", new FontIcon(MaterialDesignU.UPLOAD));
    private final Button download = new Button("Download", new FontIcon(MaterialDesignD.DOWNLOAD));
    private final Button delete = new Button("Delete", new FontIcon(MaterialDesignT.TRASH_CAN_OUTLINE));
    private final Label message = new Label();
    private final FileViewer viewer;
    private FileDialogs dialogs = FileDialogs.platform();
    private Session session;
    private WorkspacePath dir = WorkspacePath.ROOT;
    private boolean active;
    private boolean stale = true;
    private long generation;

    public FilesPane(Console console) {
        this.console = console;
        this.viewer = new FileViewer(console);
        setId("files");
        table.setId("files-table");
        table.setPlaceholder(new Label("Empty folder"));
        table.getSelectionModel().setSelectionMode(SelectionMode.SINGLE);
        table.getColumns().add(Cells.column("Name", 300, FilesPane::label, e -> e.target() == null ? e.path()
                : e.path() + " → " + e.target()));
        table.getColumns().add(Cells.column("Size", 90, e -> e.type() == FileEntry.Type.FILE ? Sizes.of(e.size()) : ""));
        table.getColumns().add(Cells.column("Modified", 160, e -> Cells.time(e.modified()), e -> Cells.timeInFull(e.modified())));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setRowFactory(t -> {
            TableRow<FileEntry> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    enter(row.getItem());
                }
            });
            return row;
        });
        table.setOnKeyPressed(e -> {
            FileEntry picked = table.getSelectionModel().getSelectedItem();
            if (e.getCode() == KeyCode.ENTER && picked != null) {
                enter(picked);
            } else if (e.getCode() == KeyCode.BACK_SPACE && !dir.isRoot()) {
                open(dir.parent());
            } else if (e.getCode() == KeyCode.DELETE && picked != null) {
                deletePicked();
            }
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, picked) -> picked(picked));
        acceptDrops();

        up.setOnAction(e -> open(dir.parent()));
        refresh.setOnAction(e -> open(dir));
        upload.setId("files-upload");
        upload.setOnAction(e -> uploadChosen());
        download.setId("files-download");
        download.setOnAction(e -> downloadPicked());
        delete.setId("files-delete");
        delete.setOnAction(e -> deletePicked());
        crumbs.setId("files-path");
        crumbs.setAlignment(Pos.CENTER_LEFT);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(6, up, crumbs, spacer, refresh, upload, download, delete);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(0, 0, 8, 0));

        message.setId("files-message");
        message.setWrapText(true);
        BorderPane left = new BorderPane(table);
        left.setBottom(message);
        // one above the other: the detail pane is narrower than it is tall, and lines of text are long
        SplitPane split = new SplitPane(left, viewer);
        split.setOrientation(javafx.geometry.Orientation.VERTICAL);
        split.setDividerPositions(0.4);
        setTop(bar);
        setCenter(split);
        getStyleClass().add("detail-pane");
        updateButtons();
    }

    private static Button iconButton(String id, org.kordamp.ikonli.Ikon icon, String tip) {
        Button b = new Button(null, new FontIcon(icon));
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        return b;
    }

    private static String label(FileEntry e) {
        return switch (e.type()) {
            case DIRECTORY -> e.name() + "/";
            case LINK -> e.name() + " → " + e.target();
            default -> e.name();
        };
    }

    /** Tests answer the download and upload choosers themselves. */
    public void setDialogs(FileDialogs d) {
        this.dialogs = d;
    }

    /** The folder shown, relative to the workspace. */
    public String folder() {
        return dir.toString();
    }

    /** A session to show: another one starts at its workspace; the same one keeps its folder. */
    public void show(Session s) {
        boolean other = session == null || !session.id().equals(s.id());
        session = s;
        if (other) {
            dir = WorkspacePath.ROOT;
            entries.clear();
            viewer.clear();
            message.setText("");
            stale = true;
        }
        updateButtons();
        if (active && stale) {
            open(dir);
        }
    }

    /** Whether the tab is on screen: the folder is loaded when it comes into view. */
    public void setActive(boolean on) {
        active = on;
        if (on && stale && session != null) {
            open(dir);
        }
    }

    private WorkspaceOperations files() {
        return console.engine().workspaces();
    }

    private void open(WorkspacePath folder) {
        if (session == null) {
            return;
        }
        String id = session.id();
        long gen = ++generation;
        stale = false;
        console.run(() -> files().list(id, folder.toString()), loaded -> {
            if (gen != generation) {
                return;
            }
            dir = folder;
            entries.setAll(loaded);
            message.setText("");
            crumbs();
            updateButtons();
        }, error -> {
            if (gen == generation) {
                say(error, true);
            }
        });
    }

    private void crumbs() {
        crumbs.getChildren().clear();
        WorkspacePath p = WorkspacePath.ROOT;
        crumbs.getChildren().add(crumb("workspace", p));
        for (String part : dir.parts()) {
            p = p.child(part);
            crumbs.getChildren().addAll(new Label("/"), crumb(part, p));
        }
    }

    private Hyperlink crumb(String text, WorkspacePath target) {
        Hyperlink h = new Hyperlink(text);
        h.setOnAction(e -> open(target));
        return h;
    }

    private void enter(FileEntry e) {
        WorkspacePath p = WorkspacePath.of(e.path());
        if (e.directory()) {
            open(p);
        } else if (e.type() == FileEntry.Type.LINK) {
            // a link to a folder opens it; to a file, shows it (the engine refuses one that leads out)
            String id = session.id();
            console.run(() -> files().list(id, p.toString()), loaded -> open(p), error -> viewer.open(id, p.toString()));
        }
    }

    private void picked(FileEntry e) {
        updateButtons();
        if (e != null && e.type() == FileEntry.Type.FILE) {
            viewer.open(session.id(), e.path());
        }
    }

    private void updateButtons() {
        boolean none = session == null;
        boolean readOnly = none || session.deleted();
        FileEntry picked = table.getSelectionModel().getSelectedItem();
        up.setDisable(none || dir.isRoot());
        refresh.setDisable(none);
        upload.setDisable(readOnly);
        delete.setDisable(readOnly || picked == null);
        download.setDisable(none);
        String why = readOnly && !none ? "A deleted session's workspace can be read until it is purged, not changed" : null;
        upload.setTooltip(new Tooltip(why != null ? why : "Upload files into " + where()));
        delete.setTooltip(new Tooltip(why != null ? why : "Delete the selected entry"));
        download.setTooltip(new Tooltip(picked == null ? "Download " + where() + " as a .tar.gz"
                : picked.directory() ? "Download " + picked.name() + "/ as a .tar.gz" : "Download " + picked.name()));
    }

    private String where() {
        return dir.isRoot() ? "the workspace" : dir + "/";
    }

    private void say(String text, boolean error) {
        message.setText(text);
        message.getStyleClass().setAll(error ? "inline-error" : "muted");
    }

    private Window window() {
        return getScene() == null ? null : getScene().getWindow();
    }

    // ---- download, upload, delete -----------------------------------------------------

    private void downloadPicked() {
        FileEntry picked = table.getSelectionModel().getSelectedItem();
        String path = picked == null ? dir.toString() : picked.path();
        boolean whole = picked == null || picked.type() != FileEntry.Type.FILE;
        String name = (path.equals(".") ? "workspace" : WorkspacePath.of(path).name()) + (whole ? ".tar.gz" : "");
        dialogs.saveAs(window(), name).ifPresent(target -> {
            String id = session.id();
            console.run(() -> {
                Path part = target.resolveSibling(target.getFileName() + ".part");
                try (OutputStream out = Files.newOutputStream(part)) {
                    if (whole) {
                        files().archive(id, path, out);
                    } else {
                        files().copyTo(id, path, out);
                    }
                } catch (IOException | RuntimeException e) {
                    deleteQuietly(part);
                    throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
                }
                try {
                    // whole or not at all: a failed download leaves no half file under the chosen name
                    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return target;
            }, saved -> say("Downloaded " + path + " to " + saved, false), error -> say(error, true));
        });
    }

    private void uploadChosen() {
        upload(dialogs.open(window()));
    }

    private void acceptDrops() {
        table.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles() && session != null && !session.deleted()) {
                e.acceptTransferModes(TransferMode.COPY);
            }
            e.consume();
        });
        table.setOnDragDropped(e -> {
            boolean ok = e.getDragboard().hasFiles();
            if (ok) {
                upload(e.getDragboard().getFiles().stream().map(java.io.File::toPath).toList());
            }
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    /** Uploads files (each as it is) and folders (packed, then unpacked in place) into the folder shown. */
    private void upload(List<Path> chosen) {
        if (chosen.isEmpty() || session == null) {
            return;
        }
        String id = session.id();
        WorkspacePath into = dir;
        console.run(() -> {
            int n = 0;
            try {
                for (Path local : chosen) {
                    n += Files.isDirectory(local) ? uploadFolder(id, into, local) : uploadFile(id, into, local);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return n;
        }, n -> {
            say("Uploaded " + n + (n == 1 ? " entry" : " entries") + " into " + where(), false);
            open(into);
        }, error -> say(error, true));
    }

    private int uploadFile(String id, WorkspacePath into, Path local) throws IOException {
        try (InputStream in = Files.newInputStream(local)) {
            files().upload(id, into.child(local.getFileName().toString()).toString(), in);
            return 1;
        }
    }

    private int uploadFolder(String id, WorkspacePath into, Path local) throws IOException {
        Path tarGz = Files.createTempFile("pilothouse-upload", ".tar.gz");
        try {
            try (OutputStream out = Files.newOutputStream(tarGz)) {
                Tarballs.pack(local, local.getFileName().toString(), out);
            }
            try (InputStream in = Files.newInputStream(tarGz)) {
                return files().extract(id, into.toString(), in);
            }
        } finally {
            deleteQuietly(tarGz);
        }
    }

    private void deletePicked() {
        FileEntry picked = table.getSelectionModel().getSelectedItem();
        if (picked == null || session == null || session.deleted()) {
            return;
        }
        String what = picked.directory() ? "the folder " + picked.path() + "/ and everything in it" : picked.path();
        if (!confirm("Delete " + picked.name() + (picked.directory() ? "/" : "") + "?",
                "This deletes " + what + " from the workspace of '" + session.name() + "'. It cannot be undone.")) {
            return;
        }
        String id = session.id();
        WorkspacePath shown = dir;
        console.run(() -> files().delete(id, picked.path(), picked.directory()), n -> {
            say("Deleted " + picked.path() + (n > 1 ? " (" + n + " entries)" : ""), false);
            if (picked.path().equals(viewer.path())) {
                viewer.clear();
            }
            open(shown);
        }, error -> say(error, true));
    }

    private boolean confirm(String header, String text) {
        ButtonType go = new ButtonType("Delete", ButtonBar.ButtonData.OK_DONE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, text, go, ButtonType.CANCEL);
        alert.setHeaderText(header);
        alert.setTitle(header);
        alert.initOwner(window());
        alert.getDialogPane().setId("confirm-dialog");
        alert.getDialogPane().setMinHeight(Region.USE_PREF_SIZE);
        alert.getDialogPane().setPrefWidth(520);
        return alert.showAndWait().filter(go::equals).isPresent();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary file: nothing depends on it
        }
    }
}
