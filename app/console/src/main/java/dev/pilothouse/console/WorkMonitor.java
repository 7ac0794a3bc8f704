package dev.pilothouse.console;

import javafx.concurrent.Task;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import org.controlsfx.control.PopOver;
import org.controlsfx.control.TaskProgressView;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Long work in progress (volume copies, sessions starting, actions on many sessions), each with
 * its progress, in a ControlsFX TaskProgressView opened from the status bar; each item leaves the
 * view when its work ends.
 */
public final class WorkMonitor {
    private final TaskProgressView<Job> view = new TaskProgressView<>();
    private final Button button;
    private final ExecutorService waiters = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "console-work-item");
        t.setDaemon(true);
        return t;
    });
    private PopOver open;

    public WorkMonitor(Button button) {
        this.button = button;
        view.setId("work-view");
        view.setPrefSize(460, 300);
        button.setGraphic(new FontIcon(MaterialDesignP.PROGRESS_CLOCK));
        button.setTooltip(new javafx.scene.control.Tooltip("Work in progress: copies, starts, actions on many sessions"));
        button.setOnAction(e -> toggle());
        view.getTasks().addListener((javafx.collections.ListChangeListener<Job>) c -> count());
        count();
    }

    /** A piece of long work, told of its progress from the FX thread or any other. */
    public static final class Job extends Task<Void> {
        private final CountDownLatch end = new CountDownLatch(1);
        private volatile String failure;

        Job(String title) {
            updateTitle(title);
            updateMessage("Starting…");
            updateProgress(-1, 1);
        }

        @Override
        protected Void call() throws Exception {
            end.await();
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            return null;
        }

        /** {@code fraction} in 0..1, or negative while unknown. */
        public void progress(double fraction, String message) {
            updateProgress(fraction < 0 ? -1 : fraction, 1);
            updateMessage(message);
        }

        public void done() {
            end.countDown();
        }

        public void failed(String why) {
            failure = why;
            end.countDown();
        }
    }

    /** A job shown nowhere (a console without a monitor, in tests). */
    public static Job detached(String title) {
        return new Job(title);
    }

    /** Starts showing a piece of work; end it with {@link Job#done()} or {@link Job#failed}. */
    public Job start(String title) {
        Job job = new Job(title);
        view.getTasks().add(job);
        waiters.submit(job);
        return job;
    }

    public TaskProgressView<Job> view() {
        return view;
    }

    private void count() {
        int n = view.getTasks().size();
        button.setText(n == 0 ? "" : n + " running");
        button.setVisible(n > 0 || open != null && open.isShowing());
        button.setManaged(button.isVisible());
    }

    public void toggle() {
        if (open != null && open.isShowing()) {
            open.hide();
            return;
        }
        Label title = new Label("Work in progress");
        title.getStyleClass().add("section-title");
        javafx.scene.layout.VBox box = new javafx.scene.layout.VBox(6, title, new StackPane(view));
        box.setPadding(new javafx.geometry.Insets(8));
        PopOver p = new PopOver(box);
        p.setArrowLocation(PopOver.ArrowLocation.BOTTOM_LEFT);
        p.setDetachable(false);
        p.setOnHidden(e -> count());
        open = p;
        p.show(button);
    }

    public void close() {
        waiters.shutdownNow();
    }
}
