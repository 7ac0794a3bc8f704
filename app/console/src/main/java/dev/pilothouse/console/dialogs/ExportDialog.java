package dev.pilothouse.console.dialogs;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.FilePicker;
import dev.pilothouse.console.WorkMonitor;
import dev.pilothouse.engine.BundleFiles;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.Session;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.stage.Window;
import javafx.util.Duration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Export… (fxml/export-bundle.fxml): a session as one bundle file, with or without its workspace
 * (its size shown when a recent reading has it), to the file chosen. It is written in the
 * background with the bytes written so far shown; the notification names the file.
 */
public final class ExportDialog extends DialogWindow {
    @FXML private Label title;
    @FXML private CheckBox workspace;
    @FXML private Label workspaceSize;
    @FXML private TextField file;
    @FXML private Button choose;
    @FXML private Label fileMessage;
    @FXML private Label error;
    @FXML private ProgressBar progress;
    @FXML private Label progressText;
    @FXML private Button cancel;
    @FXML private Button export;

    private final Console console;
    private final Session session;
    private final FilePicker files;

    public ExportDialog(Console console, Window owner, boolean dark, Session session, FilePicker files, Path folder) {
        super(owner, "export-bundle.fxml", "Export " + session.name(), dark);
        this.console = console;
        this.session = session;
        this.files = files;
        title.setText("Export '" + session.name() + "'");
        fileMessage.managedProperty().bind(fileMessage.textProperty().isNotEmpty());
        error.managedProperty().bind(error.textProperty().isNotEmpty());
        growWith(error, fileMessage);
        fullPathTip(file);
        setFile(folder.resolve(session.name() + ".bundle.tar.gz"));
        file.textProperty().addListener((o, a, b) -> {
            error.setText(""); // a new target: the last failure was about another
            refresh();
        });
        choose.setOnAction(e -> chooseFile());
        cancel.setOnAction(e -> stage.close());
        export.setOnAction(e -> submit());
        String id = session.id();
        // cheap: the latest reading of a running session; a paused one's size is not known without walking it
        console.poll(() -> console.engine().readings().get(id), this::showSize);
        refresh();
    }

    private java.util.function.Consumer<Path> onExported = p -> {
    };

    /** @param onExported told of the file once the bundle is written whole (on the FX thread) */
    public void show(java.util.function.Consumer<Path> onExported) {
        this.onExported = onExported;
        stage.show();
        export.requestFocus();
    }

    private void showSize(Current c) {
        if (c != null && c.workspaceBytes() != null) {
            workspaceSize.setText("(" + (c.workspaceFiles() == null ? "" : c.workspaceFiles() + " files, ")
                    + Units.bytes(c.workspaceBytes()) + ")");
        }
    }

    private void chooseFile() {
        Path now = target();
        Path suggested = now != null ? now : Path.of(System.getProperty("user.home"), session.name() + ".bundle.tar.gz");
        files.saveAs(stage, "Export " + session.name(), suggested).ifPresent(this::setFile);
    }

    /** A long path shows its start in the field: the tooltip has all of it. */
    static void fullPathTip(TextField field) {
        field.textProperty().addListener((o, a, b) -> field.setTooltip(b == null || b.isBlank() ? null
                : new javafx.scene.control.Tooltip(b)));
    }

    private void setFile(Path p) {
        file.setText(p.toString());
    }

    /** The file typed or chosen, or null when there is none (or it is not a path). */
    private Path target() {
        return pathIn(file);
    }

    private boolean refresh() {
        Path p = target();
        String t = file.getText() == null ? "" : file.getText().strip();
        fileMessage.getStyleClass().setAll("label", p == null ? "inline-error" : "muted");
        fileMessage.setText(t.isEmpty() ? "Choose where to write the bundle."
                : p == null ? "'" + t + "' is not a file path on this machine."
                : Files.isDirectory(p) ? "That is a folder; name the bundle file in it."
                : Files.exists(p) ? "A file of that name exists: the bundle replaces it once it is written whole." : "");
        boolean ok = p != null && !Files.isDirectory(p);
        export.setDisable(!ok);
        return ok;
    }

    private void submit() {
        if (!refresh()) {
            return;
        }
        Path target = target();
        boolean withWorkspace = workspace.isSelected();
        String id = session.id();
        String name = session.name();
        export.setDisable(true);
        choose.setDisable(true);
        error.setText("");
        progress.setVisible(true);
        progress.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        AtomicLong written = new AtomicLong();
        WorkMonitor.Job job = console.startWork("Export " + name + (withWorkspace ? " with its workspace" : ""));
        Timeline ticker = new Timeline(new KeyFrame(Duration.millis(200), e -> {
            long n = written.get();
            String text = n == 0 ? "Gathering " + (withWorkspace ? "the session and its workspace…" : "the session…")
                    : "Writing the bundle: " + Units.bytes(n) + "…";
            progressText.setText(text);
            job.progress(-1, text);
        }));
        ticker.setCycleCount(Timeline.INDEFINITE);
        ticker.play();
        progressText.setText("Gathering the session…");
        console.run(() -> BundleFiles.export(console.engine(), id, withWorkspace, target, written), size -> {
            ticker.stop();
            job.done();
            stage.close();
            onExported.accept(target);
            console.notifier().info("Exported " + name + (withWorkspace ? " with its workspace" : "") + " to " + target
                    + " (" + Units.bytes(size) + ").");
        }, message -> {
            ticker.stop();
            job.failed(message);
            if (!stage.isShowing()) {
                console.notifier().error("Export of " + name + " failed: " + message);
            }
            progress.setVisible(false);
            progressText.setText("");
            error.setText("Not exported: " + message + (message.endsWith(".") ? "" : "."));
            choose.setDisable(false);
            refresh();
        });
    }
}
