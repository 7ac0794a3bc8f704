package dev.pilothouse.console.dialogs;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.FilePicker;
import dev.pilothouse.console.WorkMonitor;
import dev.pilothouse.engine.BundleFiles;
import dev.pilothouse.session.Session;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.stage.Window;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Import bundle… (fxml/import-bundle.fxml): a new session from a bundle file, under its exported
 * name or a new one (checked as everywhere in the console). The engine reads the whole bundle
 * before it makes anything: a bad file is refused with its words here, and nothing is made.
 */
public final class ImportDialog extends DialogWindow {
    @FXML private Label intro;
    @FXML private TextField file;
    @FXML private Button choose;
    @FXML private TextField name;
    @FXML private Label nameMessage;
    @FXML private Label error;
    @FXML private ProgressBar progress;
    @FXML private Label progressText;
    @FXML private Button cancel;
    @FXML private Button importButton;

    private final Console console;
    private final String context;
    private final FilePicker files;
    private final Path folder;
    private Consumer<Session> onDone = s -> {
    };

    public ImportDialog(Console console, Window owner, boolean dark, String context, FilePicker files, Path folder) {
        super(owner, "import-bundle.fxml", "Import a session bundle", dark);
        this.console = console;
        this.context = context;
        this.files = files;
        this.folder = folder;
        intro.setText("A new session in context " + context + " from a bundle file made by Export… on a session or "
                + "the CLI's sessions export: its spec, conversation and, when the bundle has it, its workspace.");
        nameMessage.managedProperty().bind(nameMessage.textProperty().isNotEmpty());
        error.managedProperty().bind(error.textProperty().isNotEmpty());
        growWith(error, nameMessage);
        ExportDialog.fullPathTip(file);
        file.textProperty().addListener((o, a, b) -> refresh());
        name.textProperty().addListener((o, a, b) -> refresh());
        choose.setOnAction(e -> chooseFile());
        cancel.setOnAction(e -> stage.close());
        importButton.setOnAction(e -> submit());
        refresh();
    }

    /** @param onDone told of the new session once it is made (on the FX thread) */
    public void show(Consumer<Session> onDone) {
        this.onDone = onDone;
        stage.show();
        choose.requestFocus();
    }

    private void chooseFile() {
        Path now = bundle();
        files.open(stage, "Import a session bundle", now != null && now.getParent() != null ? now.getParent() : folder)
                .ifPresent(p -> file.setText(p.toString()));
    }

    private Path bundle() {
        return pathIn(file);
    }

    private String newName() {
        String n = name.getText() == null ? "" : name.getText().strip();
        return n.isEmpty() ? null : n;
    }

    private boolean refresh() {
        String n = newName();
        String problem = n == null ? null : nameProblem(console, n, context);
        nameMessage.setText(problem == null ? "" : problem);
        error.setText("");
        boolean ok = problem == null && bundle() != null;
        importButton.setDisable(!ok);
        return ok;
    }

    private void submit() {
        if (!refresh()) {
            return;
        }
        Path from = bundle();
        String n = newName();
        importButton.setDisable(true);
        choose.setDisable(true);
        progress.setVisible(true);
        progress.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        progressText.setText("Reading the bundle and making the session…");
        WorkMonitor.Job job = console.startWork("Import " + from.getFileName());
        job.progress(-1, "Reading " + from.getFileName() + " and making the session…");
        console.run(() -> BundleFiles.importFrom(console.engine(), from, n), made -> {
            job.done();
            stage.close();
            console.notifier().info("Imported " + made.name() + " from " + from + ".");
            onDone.accept(made);
        }, message -> {
            job.failed(message);
            if (!stage.isShowing()) {
                console.notifier().error("Import of " + from + " failed: " + message);
            }
            progress.setVisible(false);
            progressText.setText("");
            choose.setDisable(false);
            refresh();
            error.setText(message.isEmpty() ? message : Character.toUpperCase(message.charAt(0)) + message.substring(1));
        });
    }
}
