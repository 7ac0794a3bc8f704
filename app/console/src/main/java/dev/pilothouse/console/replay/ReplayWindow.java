package dev.pilothouse.console.replay;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.Themes;
import dev.pilothouse.console.detail.StateDiagram;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.TimelineEntry;
import javafx.animation.AnimationTimer;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Slider;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignP;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A session's history replayed (issue 15, item 3): a scrubber over its timeline, step back and
 * forward an entry at a time, play at 1×, 10× or 100×; the state diagram, the conversation (a reply
 * growing as it streamed), the agents' log lines ({@link ReplayLogs}) and the timeline's list follow
 * the cursor. Loaded once when opened: a replay shows what had happened by then.
 */
public final class ReplayWindow {
    private static final List<String> SPEEDS = List.of("1×", "10×", "100×");
    /**
     * Bubbles drawn at most: the conversation's tail up to the cursor. A jump across a long history
     * then redraws a few dozen cells, not thousands (a list of wrapped, varying-height cells lays out
     * every item it is given to estimate its length).
     */
    static final int SHOWN_BUBBLES = 40;
    private static final double DIAGRAM_SCALE = 0.6;
    /**
     * The timeline's list, the logs and the conversation follow the cursor one view a frame (see
     * {@link Redraws}): the lists at most every 33 ms, the conversation every 100 ms (laying out
     * its bubbles' text is the costliest). The scrubber, its labels and the diagram follow every frame.
     */
    private final Redraws redraws = new Redraws();
    private ReplayModel.Frame due;
    /** A moment's time of day in UTC, to the millisecond (Json.time drops a zero fraction, so it cannot be cut). */
    private static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(java.time.ZoneOffset.UTC);

    private final Stage stage = new Stage();
    private final Console console;
    private final Session session;
    private final StateDiagram diagram = new StateDiagram();
    private final ListView<ReplayModel.Bubble> conversation = new ListView<>();
    private final ListView<TimelineEntry> timeline = new ListView<>();
    private final ReplayLogs logs = new ReplayLogs();
    private final Slider scrubber = new Slider(0, 1, 0);
    private final Button back = new Button(null, new FontIcon(MaterialDesignS.SKIP_PREVIOUS));
    private final Button forward = new Button(null, new FontIcon(MaterialDesignS.SKIP_NEXT));
    private final ToggleButton play = new ToggleButton(null, new FontIcon(MaterialDesignP.PLAY));
    private final ChoiceBox<String> speed = new ChoiceBox<>();
    private final Label when = new Label("Loading the timeline…");
    private final Label what = new Label();
    private final Label earlier = new Label();
    private ReplayModel model = new ReplayModel(List.of());
    private boolean moving;
    private final AnimationTimer player = new AnimationTimer() {
        private long last;

        @Override
        public void start() {
            last = 0;
            super.start();
        }

        @Override
        public void handle(long now) {
            if (last != 0) {
                advance(Duration.ofNanos(now - last));
            }
            last = now;
        }
    };

    public ReplayWindow(Console console, Window owner, boolean dark, Session session) {
        this.console = console;
        this.session = session;
        back.setId("replay-back");
        forward.setId("replay-forward");
        play.setId("replay-play");
        speed.setId("replay-speed");
        scrubber.setId("replay-scrubber");
        when.setId("replay-when");
        what.setId("replay-what");
        what.setWrapText(true);
        conversation.setId("replay-conversation");
        timeline.setId("replay-timeline");
        earlier.setId("replay-earlier");
        earlier.getStyleClass().add("muted");
        earlier.setManaged(false);
        earlier.setVisible(false);
        speed.getItems().setAll(SPEEDS);
        speed.setValue("10×");
        back.setOnAction(e -> show(() -> model.stepBack()));
        forward.setOnAction(e -> show(() -> model.stepForward()));
        play.selectedProperty().addListener((o, was, on) -> {
            play.setGraphic(new FontIcon(on ? MaterialDesignP.PAUSE : MaterialDesignP.PLAY));
            if (on) {
                if (model.atEnd()) {
                    show(() -> model.moveTo(-1));
                }
                player.start();
            } else {
                player.stop();
            }
        });
        scrubber.setSnapToTicks(true);
        scrubber.setMajorTickUnit(1);
        scrubber.setMinorTickCount(0);
        scrubber.setBlockIncrement(1);
        scrubber.valueProperty().addListener((o, a, b) -> {
            if (!moving) {
                show(() -> model.moveTo((int) Math.round(b.doubleValue()) - 1));
            }
        });
        conversation.setCellFactory(l -> new BubbleCell());
        conversation.setPlaceholder(new Label("No messages yet at this point"));
        timeline.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(TimelineEntry e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null : line(e));
            }
        });
        timeline.setOnMouseClicked(e -> {
            int i = timeline.getSelectionModel().getSelectedIndex();
            if (i >= 0 && i != model.position()) {
                show(() -> model.moveTo(i));
            }
        });

        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox.setHgrow(scrubber, Priority.ALWAYS);
        HBox controls = new HBox(8, back, play, forward, speed, scrubber, when);
        controls.setAlignment(Pos.CENTER_LEFT);
        // the diagram is drawn at a fixed size for the detail pane; here it is a guide beside the story
        diagram.setScaleX(DIAGRAM_SCALE);
        diagram.setScaleY(DIAGRAM_SCALE);
        VBox left = new VBox(8, new javafx.scene.Group(diagram), what);
        left.setPrefWidth(360);
        left.setMaxWidth(440);
        VBox.setVgrow(conversation, Priority.ALWAYS);
        VBox talk = new VBox(4, earlier, conversation);
        SplitPane center = new SplitPane(left, talk, timeline);
        center.setDividerPositions(0.33, 0.62);
        SplitPane rows = new SplitPane(center, logs.node());
        rows.setOrientation(javafx.geometry.Orientation.VERTICAL);
        rows.setDividerPositions(0.7);
        VBox.setVgrow(rows, Priority.ALWAYS);
        VBox root = new VBox(10, controls, rows);
        root.setPadding(new Insets(10));
        root.setPrefSize(1200, 640);
        root.getStyleClass().add("replay");
        Scene scene = new Scene(root);
        Themes.style(scene, dark);
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) {
                stage.close();
            } else if (e.getCode() == KeyCode.RIGHT) {
                forward.fire();
            } else if (e.getCode() == KeyCode.LEFT) {
                back.fire();
            } else if (e.getCode() == KeyCode.SPACE) {
                play.fire();
            }
        });
        stage.setScene(scene);
        stage.setTitle("Replay — " + session.name());
        stage.setUserData(this); // found again from its window (tests, the window list)
        if (owner != null) {
            stage.initOwner(owner);
        }
        redraws.add(javafx.util.Duration.millis(33), this::drawTimeline);
        redraws.add(javafx.util.Duration.millis(33), () -> logs.show(due.logs()));
        redraws.add(javafx.util.Duration.millis(100), this::drawConversation);
        stage.setOnHidden(e -> {
            player.stop();
            redraws.stop();
        });
        buttons();
    }

    public void show() {
        stage.show();
        String id = session.id();
        console.run("load the timeline of '" + session.name() + "'", () -> console.engine().timeline(id), entries -> {
            model = new ReplayModel(entries);
            timeline.getItems().setAll(entries);
            scrubber.setMax(Math.max(1, entries.size()));
            show(() -> model.moveTo(-1));
        });
    }

    /** One timeline entry as the list shows it: time of day (UTC, to the millisecond), kind, summary. */
    static String line(TimelineEntry e) {
        return TIME.format(e.at()) + "  " + e.kind() + "  " + e.summary();
    }

    public Stage stage() {
        return stage;
    }

    /** Plays on by {@code elapsed} of real time at the chosen speed; the animation calls it every frame. */
    public void advance(Duration elapsed) {
        int x = Integer.parseInt(speed.getValue().replace("×", ""));
        if (model.advance(elapsed, x)) {
            draw();
        }
        if (model.atEnd()) {
            play.setSelected(false);
        }
    }

    public ReplayModel model() {
        return model;
    }

    private void show(Runnable move) {
        move.run();
        draw();
    }

    private void draw() {
        ReplayModel.Frame f = model.frame();
        moving = true;
        scrubber.setValue(f.position() + 1);
        moving = false;
        diagram.show(f.state(), f.previous());
        due = f;
        redraws.requestAll();
        when.setText(model.entries().isEmpty() ? "Nothing happened yet"
                : String.format(Locale.ROOT, "%d / %d · +%.1f s · %s", f.position() + 1, model.entries().size(),
                f.sinceStart().toMillis() / 1000.0, Json.time(f.at())));
        what.setText(f.current() == null ? "Start: press ▶ or → to step" : f.current().kind() + ": " + f.current().summary());
        buttons();
    }

    /** Whether every view shows the cursor's position (none waits for its turn to be redrawn). */
    public boolean drawn() {
        return !redraws.pending();
    }

    /** The timeline's list: the cursor's entry selected, a few before it above. */
    private void drawTimeline() {
        if (due.position() >= 0) {
            timeline.getSelectionModel().select(due.position());
            timeline.scrollTo(Math.max(0, due.position() - 3));
        } else {
            timeline.getSelectionModel().clearSelection();
        }
    }

    /** The conversation at the cursor: its last {@link #SHOWN_BUBBLES} bubbles, and how many there are. */
    private void drawConversation() {
        List<ReplayModel.Bubble> all = due.conversation();
        int from = Math.max(0, all.size() - SHOWN_BUBBLES);
        List<ReplayModel.Bubble> tail = all.subList(from, all.size());
        if (!tail.equals(conversation.getItems())) {
            conversation.getItems().setAll(tail);
            if (!tail.isEmpty()) {
                conversation.scrollTo(tail.size() - 1);
            }
        }
        earlier.setText("the last " + tail.size() + " of " + all.size() + " messages at this point");
        earlier.setVisible(from > 0);
        earlier.setManaged(from > 0);
    }

    private void buttons() {
        boolean none = model.entries().isEmpty();
        back.setDisable(none || model.position() < 0);
        forward.setDisable(none || model.atEnd());
        play.setDisable(none);
    }

    /** One bubble: the operator's message or an agent's reply, a streaming one marked as such. */
    private static final class BubbleCell extends ListCell<ReplayModel.Bubble> {
        private final Label header = new Label();
        private final Label body = new Label();
        private final VBox bubble = new VBox(4, header, body);

        BubbleCell() {
            header.getStyleClass().add("message-header");
            body.getStyleClass().add("message-body");
            body.setWrapText(true);
            body.setMinHeight(Region.USE_PREF_SIZE);
            setPrefWidth(0);
        }

        @Override
        protected void updateItem(ReplayModel.Bubble b, boolean empty) {
            super.updateItem(b, empty);
            if (empty || b == null) {
                setGraphic(null);
                return;
            }
            bubble.getStyleClass().setAll("message", b.user() ? "user" : "agent");
            if (b.streaming()) {
                bubble.getStyleClass().add("streaming");
            }
            header.setText(b.user() ? "you → " + b.agent() : b.agent() + (b.streaming() ? " · streaming…" : ""));
            body.setText(b.text());
            setGraphic(bubble);
        }
    }
}
