package dev.pilothouse.console.logs;

import javafx.css.PseudoClass;
import javafx.geometry.VPos;
import javafx.scene.layout.Region;
import javafx.scene.shape.Path;
import javafx.scene.shape.PathElement;
import javafx.scene.text.Text;
import javafx.scene.text.TextBoundsType;

import java.util.ArrayList;
import java.util.List;

/** One visible row of the log: the line's time, its text, and the search matches painted behind it. */
final class LineRow extends Region {
    /** Longer lines are cut on screen (not in the store, searches, copies or saves): one Text node lays out the whole string. */
    static final int MAX_SHOWN_CHARS = 10_000;
    static final double PAD = 6;
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");

    private final Text time = new Text();
    private final Text text = new Text();
    private final Path matches = new Path();
    private final Path current = new Path();
    private int line = -1;

    LineRow() {
        getStyleClass().add("log-row");
        time.getStyleClass().add("log-time");
        text.getStyleClass().add("log-text");
        matches.getStyleClass().add("log-match");
        current.getStyleClass().add("log-match-current");
        for (Text t : List.of(time, text)) {
            t.setTextOrigin(VPos.TOP);
            t.setBoundsType(TextBoundsType.LOGICAL);
            t.setManaged(false);
        }
        matches.setManaged(false);
        current.setManaged(false);
        getChildren().addAll(matches, current, time, text);
    }

    int line() {
        return line;
    }

    String shownText() {
        return text.getText();
    }

    /**
     * Shows a line. {@code timeWidth} is 0 when times are hidden; {@code wrapWidth} 0 when not wrapping;
     * {@code currentMatch} is which of the line's matches is the current one, or -1.
     */
    void show(LineStore store, int line, double timeWidth, double wrapWidth, TextQuery query, int currentMatch,
              boolean selected) {
        this.line = line;
        String s = store.text(line);
        if (s.length() > MAX_SHOWN_CHARS) {
            s = s.substring(0, MAX_SHOWN_CHARS) + " …";
        }
        text.setText(s.replace('\n', '↵').replace('\r', '↵'));
        text.setWrappingWidth(wrapWidth);
        time.setLayoutX(PAD);
        text.setLayoutX(PAD + timeWidth);
        time.setVisible(timeWidth > 0);
        time.setText(timeWidth > 0 ? Timestamps.format(store.time(line)) : "");
        pseudoClassStateChanged(SELECTED, selected);
        paintMatches(store, query, currentMatch);
    }

    /** The row's height for the text it shows. */
    double textHeight() {
        return text.getLayoutBounds().getHeight();
    }

    private void paintMatches(LineStore store, TextQuery query, int currentMatch) {
        List<PathElement> all = new ArrayList<>();
        PathElement[] currentShape = new PathElement[0];
        if (query != null) {
            byte[] bytes = store.chunk(line);
            int start = store.start(line);
            int end = start + store.length(line);
            int shownChars = text.getText().length();
            int chars = 0;
            int from = start;
            int ordinal = 0;
            for (int at = query.indexOf(bytes, start, end); at >= 0; at = query.indexOf(bytes, at + query.length(), end)) {
                chars += TextQuery.chars(bytes, from, at);
                int matchChars = TextQuery.chars(bytes, at, at + query.length());
                if (chars >= shownChars) {
                    break;
                }
                PathElement[] shape = text.rangeShape(chars, Math.min(shownChars, chars + matchChars));
                if (ordinal++ == currentMatch) {
                    currentShape = shape;
                } else {
                    all.addAll(List.of(shape));
                }
                chars += matchChars;
                from = at + query.length();
            }
        }
        matches.getElements().setAll(all);
        current.getElements().setAll(currentShape);
        matches.setLayoutX(text.getLayoutX());
        current.setLayoutX(text.getLayoutX());
    }
}
