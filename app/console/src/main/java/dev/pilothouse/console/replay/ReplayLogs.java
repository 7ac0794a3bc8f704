package dev.pilothouse.console.replay;

import dev.pilothouse.session.TimelineEntry;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The Replay window's logs area: the agents' last log lines up to the cursor (at most {@link
 * ReplayModel#LOG_LINES}), newest at the bottom, following the scrubber. A frame whose lines are the
 * ones already shown costs nothing: while playing, most frames pass no log line.
 */
final class ReplayLogs {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final ListView<TimelineEntry> list = new ListView<>();
    private final Label title = new Label("Logs");
    private final VBox node = new VBox(4, title, list);
    private List<TimelineEntry> shown = List.of();

    ReplayLogs() {
        list.setId("replay-logs");
        list.getStyleClass().add("replay-logs");
        title.getStyleClass().add("section-title");
        list.setPlaceholder(new Label("No log lines yet at this point"));
        // one line a cell, all alike: the list need not measure each one (cheaper frames while scrubbing)
        list.setFixedCellSize(20);
        list.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(TimelineEntry e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null : line(e));
            }
        });
        VBox.setVgrow(list, Priority.ALWAYS);
    }

    Node node() {
        return node;
    }

    /** Shows the lines a frame holds, scrolled to the newest. */
    void show(List<TimelineEntry> lines) {
        if (lines.size() == shown.size() && (lines.isEmpty() || lines.get(lines.size() - 1) == shown.get(shown.size() - 1))) {
            return; // the same lines: the last one and the count say so, as a frame holds the newest ones only
        }
        shown = lines;
        list.getItems().setAll(lines);
        title.setText(lines.size() < ReplayModel.LOG_LINES ? "Logs" : "Logs · the last " + ReplayModel.LOG_LINES + " lines");
        if (!lines.isEmpty()) {
            list.scrollTo(lines.size() - 1);
        }
    }

    /** A line as shown: time of day (UTC, to the millisecond), agent, the line. */
    static String line(TimelineEntry e) {
        return TIME.format(e.at()) + "  " + e.agent() + "  " + e.summary();
    }
}
