package dev.pilothouse.console.detail;

import dev.pilothouse.session.TraceEvent;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Locale;

/**
 * A reply's trace inside its bubble: each event the agent streamed, when it arrived after the
 * message was sent and how long after the one before, its kind, size and the start of its text.
 */
final class TraceView extends VBox {
    /** Rows shown; a reply streamed a character at a time says how many more there were. */
    static final int MAX_ROWS = 200;
    private static final int TEXT_CHARS = 80;

    TraceView(List<TraceEvent> events) {
        super(4);
        getStyleClass().add("trace");
        setId("trace");
        if (events.isEmpty()) {
            getChildren().add(muted("No trace: nothing streamed, or the reply was stored before traces were kept"));
            return;
        }
        TraceEvent last = events.get(events.size() - 1);
        getChildren().add(muted(events.size() + (events.size() == 1 ? " event" : " events") + " · first after "
                + events.get(0).atMillis() + " ms · last at " + last.atMillis() + " ms"));
        GridPane rows = new GridPane();
        rows.setHgap(12);
        rows.getStyleClass().add("trace-rows");
        long previous = 0;
        for (int i = 0; i < Math.min(events.size(), MAX_ROWS); i++) {
            TraceEvent e = events.get(i);
            rows.addRow(i, cell(e.atMillis() + " ms"), cell("+" + (e.atMillis() - previous)), cell(kind(e)),
                    cell(e.chars() + " ch"), cell(text(e)));
            previous = e.atMillis();
        }
        getChildren().add(rows);
        if (events.size() > MAX_ROWS) {
            getChildren().add(muted("… " + (events.size() - MAX_ROWS) + " more (sessions trace prints them all)"));
        }
    }

    private static String kind(TraceEvent e) {
        String k = e.type().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return e.stream() != null ? k + " (" + e.stream() + ")" : e.exitCode() != null ? k + " (exit " + e.exitCode() + ")" : k;
    }

    private static String text(TraceEvent e) {
        if (e.text() == null) {
            return e.chars() == 0 ? "" : "(text not kept)";
        }
        String one = e.text().replace("\n", "⏎");
        return one.length() > TEXT_CHARS ? one.substring(0, TEXT_CHARS - 1) + "…" : one;
    }

    private static Label cell(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("trace-cell");
        return l;
    }

    private static Label muted(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("muted");
        l.setWrapText(true);
        return l;
    }
}
