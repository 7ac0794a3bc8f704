package dev.pilothouse.console.batches;

import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchCounts;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.Themes;
import dev.pilothouse.console.main.Durations;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.json.Json;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;
import javafx.util.Duration;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The batches of the data dir, live (docs/batches.md): each batch's progress (queued / running /
 * done / failed), and the rows of the one selected with their sessions, results and errors; cancel
 * and resume. A row's session opens in the main window on a double click. It reloads when the
 * engine says a batch or a session changed, at most twice a second, so it follows a batch run from
 * the CLI or {@code pilothouse serve} as well as one of its own engine.
 */
public final class BatchesWindow {
    private final Stage stage = new Stage();
    private final Console console;
    private final TableView<BatchSummary> batches = new TableView<>();
    private final TableView<BatchRow> rows = new TableView<>();
    private final Button cancel = new Button("Cancel batch");
    private final Button resume = new Button("Resume batch");
    private final Label message = new Label();
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final Timeline ticker;
    private Runnable unsubscribe;
    private boolean loading;

    public BatchesWindow(Console console, Window owner, boolean dark) {
        this.console = console;
        batches.setId("batch-table");
        rows.setId("batch-rows");
        cancel.setId("cancel-batch");
        resume.setId("resume-batch");
        message.setId("batch-message");
        message.getStyleClass().add("muted");
        batchColumns();
        rowColumns();
        batches.setPlaceholder(new Label("No batches yet: `pilothouse batch run --template T --inputs FILE` starts one"));
        rows.setPlaceholder(new Label("Select a batch to see its rows"));
        batches.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            buttons();
            if (a == null || b == null || !a.batch().id().equals(b.batch().id())) {
                rows.getItems().clear();
                dirty.set(true);
            }
        });
        rows.setRowFactory(t -> {
            TableRow<BatchRow> r = new TableRow<>();
            r.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && r.getItem() != null && r.getItem().sessionId() != null) {
                    console.select(r.getItem().sessionId());
                }
            });
            return r;
        });
        cancel.setOnAction(e -> act("cancelled", id -> console.engine().cancelBatch(id)));
        resume.setOnAction(e -> act("resumed", id -> console.engine().resumeBatch(id)));
        Button close = new Button("Close");
        close.setOnAction(e -> stage.close());
        buttons();

        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox bar = new HBox(8, cancel, resume, message, grow, close);
        bar.setAlignment(Pos.CENTER_LEFT);
        SplitPane split = new SplitPane(batches, rows);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.4);
        VBox.setVgrow(split, Priority.ALWAYS);
        VBox root = new VBox(8, split, bar);
        root.setPadding(new Insets(10));
        root.setPrefSize(1060, 560);
        Scene scene = new Scene(root);
        Themes.style(scene, dark);
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) {
                stage.close();
            }
        });
        stage.setScene(scene);
        stage.setTitle("Batches");
        if (owner != null) {
            stage.initOwner(owner);
        }
        ticker = new Timeline(new KeyFrame(Duration.millis(500), e -> reloadIfChanged()));
        ticker.setCycleCount(Timeline.INDEFINITE);
        stage.setOnShown(e -> {
            console.run("follow the batches", () -> console.engine().subscribe(this::heard), stop -> {
                if (stage.isShowing()) {
                    unsubscribe = stop;
                } else {
                    stop.run();
                }
            });
            ticker.play();
            reloadIfChanged();
        });
        stage.setOnHidden(e -> {
            ticker.stop();
            if (unsubscribe != null) {
                unsubscribe.run();
                unsubscribe = null;
            }
        });
    }

    public void show() {
        stage.show();
    }

    public Stage stage() {
        return stage;
    }

    /** Any engine thread: a change that may move a batch marks the view for the next tick. */
    private void heard(EngineEvent e) {
        if (e instanceof EngineEvent.BatchChanged || e instanceof EngineEvent.SessionChanged) {
            dirty.set(true);
        }
    }

    private void reloadIfChanged() {
        if (loading || !dirty.getAndSet(false)) {
            return;
        }
        loading = true;
        BatchSummary chosen = batches.getSelectionModel().getSelectedItem();
        String id = chosen == null ? null : chosen.batch().id();
        console.run(() -> new Loaded(console.engine().batches(), id == null ? List.of() : console.engine().batchRows(id), id),
                this::show, problem -> {
                    loading = false;
                    message.setText(problem);
                });
    }

    private record Loaded(List<BatchSummary> batches, List<BatchRow> rows, String rowsOf) {
    }

    private void show(Loaded l) {
        loading = false;
        BatchSummary was = batches.getSelectionModel().getSelectedItem();
        batches.getItems().setAll(l.batches());
        String keep = was != null ? was.batch().id() : l.batches().isEmpty() ? null : l.batches().get(0).batch().id();
        l.batches().stream().filter(b -> b.batch().id().equals(keep)).findFirst()
                .ifPresent(b -> batches.getSelectionModel().select(b));
        BatchSummary now = batches.getSelectionModel().getSelectedItem();
        if (now != null && now.batch().id().equals(l.rowsOf())) {
            rows.getItems().setAll(l.rows());
        } else if (now != null) {
            dirty.set(true); // the first batch was just chosen: its rows at the next tick
        }
        buttons();
    }

    private void act(String what, Function<String, BatchSummary> action) {
        BatchSummary b = batches.getSelectionModel().getSelectedItem();
        if (b == null) {
            return;
        }
        String id = b.batch().id();
        cancel.setDisable(true);
        resume.setDisable(true);
        console.run(() -> action.apply(id), done -> {
            message.setText(what + " batch " + shortId(id) + ": " + done.counts().describe());
            dirty.set(true);
            reloadIfChanged();
        }, problem -> {
            message.setText(problem);
            buttons();
        });
    }

    private void buttons() {
        BatchSummary b = batches.getSelectionModel().getSelectedItem();
        Batch.Status s = b == null ? null : b.batch().status();
        cancel.setDisable(s != Batch.Status.RUNNING);
        resume.setDisable(s != Batch.Status.CANCELLED);
    }

    // ---- columns -------------------------------------------------------------------------

    private void batchColumns() {
        batches.getColumns().add(text("Batch", 90, b -> shortId(b.batch().id())));
        batches.getColumns().add(text("Stages", 170, b -> String.join(" → ", b.batch().stages().stream()
                .map(st -> st.template() + " v" + st.version()).toList())));
        batches.getColumns().add(text("Status", 90, b -> b.batch().status().name().toLowerCase(Locale.ROOT)));
        TableColumn<BatchSummary, BatchCounts> progress = new TableColumn<>("Progress");
        progress.setPrefWidth(400);
        progress.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().counts()));
        progress.setCellFactory(c -> new ProgressCell());
        batches.getColumns().add(progress);
        batches.getColumns().add(text("Parallel", 70, b -> Integer.toString(b.batch().parallel())));
        batches.getColumns().add(text("Started", 100, b -> Durations.since(b.batch().createdAt(), Instant.now()) + " ago"));
        batches.getColumns().add(text("By", 80, b -> b.batch().createdBy()));
    }

    private void rowColumns() {
        rows.getColumns().add(text("Row", 50, r -> Integer.toString(r.index())));
        TableColumn<BatchRow, String> status = text("Status", 90, r -> r.status().label());
        status.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(empty ? null : s);
                getStyleClass().removeAll("batch-failed", "batch-done", "batch-running");
                if (!empty && s != null && List.of("failed", "done", "running").contains(s)) {
                    getStyleClass().add("batch-" + s);
                }
            }
        });
        rows.getColumns().add(status);
        rows.getColumns().add(text("Stage", 70, r -> Integer.toString(r.stage() + 1)));
        rows.getColumns().add(text("Attempts", 80, r -> Integer.toString(r.attempts())));
        rows.getColumns().add(text("Session", 90, r -> r.sessionId() == null ? "" : shortId(r.sessionId())));
        rows.getColumns().add(text("Input", 200, r -> Json.compact(Json.parse(r.input()))));
        rows.getColumns().add(text("Result or error", 440, r -> firstLine(r.status() == BatchRow.Status.DONE
                ? r.result() : r.error())));
    }

    private static <T> TableColumn<T, String> text(String title, double width, Function<T, String> value) {
        TableColumn<T, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(v -> new ReadOnlyStringWrapper(value.apply(v.getValue())));
        return c;
    }

    /** A bar of rows finished, with the counts in words beside it. */
    private static final class ProgressCell extends TableCell<BatchSummary, BatchCounts> {
        private final ProgressBar bar = new ProgressBar();
        private final Label words = new Label();
        private final HBox box = new HBox(8, bar, words);

        ProgressCell() {
            bar.setPrefWidth(110);
            box.setAlignment(Pos.CENTER_LEFT);
            StackPane.setAlignment(box, Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(BatchCounts c, boolean empty) {
            super.updateItem(c, empty);
            if (empty || c == null) {
                setGraphic(null);
                return;
            }
            bar.setProgress(c.total() == 0 ? 0 : (double) c.finished() / c.total());
            words.setText(c.describe());
            setGraphic(box);
        }
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
