package dev.pilothouse.console.logs;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Orientation;
import javafx.scene.control.ScrollBar;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Region;
import javafx.scene.shape.Rectangle;
import javafx.scene.text.Text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of a log, virtualized: only the rows on screen exist as nodes, refilled from the
 * store on every layout, so millions of lines cost nothing here. Scrolling is by whole lines
 * (the vertical scroll bar's value is the top row), which keeps it exact with wrapped rows of
 * any height. While following, rows are laid out upwards from the last one.
 */
final class LineView extends Region {
    private static final KeyCombination SELECT_ALL = new KeyCodeCombination(KeyCode.A, KeyCombination.SHORTCUT_DOWN);

    private final BooleanProperty follow = new SimpleBooleanProperty(this, "follow", true);
    private final BooleanProperty wrap = new SimpleBooleanProperty(this, "wrap", false);
    private final BooleanProperty showTimes = new SimpleBooleanProperty(this, "showTimes", false);
    private final ScrollBar vbar = new ScrollBar();
    private final ScrollBar hbar = new ScrollBar();
    private final Pane viewport = new Pane();
    private final Rectangle clip = new Rectangle();
    private final Text probe = new Text("X"); // measures the monospace font the stylesheet chose
    private final List<LineRow> rowNodes = new ArrayList<>();

    private LineStore store = new LineStore();
    private int[] rows; // the shown lines, or null for all of them
    private int rowCount;
    private TextQuery query;
    private int currentLine = -1;
    private int currentOrdinal = -1;
    private int selectionAnchor = -1; // lines, so a selection survives a change of filter
    private int selectionEnd = -1;

    private int topRow;                 // the first row while not following
    private double topShift;            // and its y (<= 0): stopping following moves nothing on screen
    private double firstShownY;         // the y of the first row shown
    private boolean resumeAtEnd;        // the operator scrolled down: follow again if that reached the end
    private int firstShown;             // what the last layout showed
    private int lastShown = -1;
    private boolean endShown = true;
    private double lineHeight = 16;
    private boolean adjustingBars;

    LineView() {
        getStyleClass().add("log-lines");
        setFocusTraversable(true);
        viewport.getStyleClass().add("log-viewport");
        viewport.setClip(clip);
        viewport.setManaged(false);
        probe.getStyleClass().add("log-text");
        probe.setOpacity(0);
        probe.setManaged(false);
        vbar.setOrientation(Orientation.VERTICAL);
        hbar.setOrientation(Orientation.HORIZONTAL);
        vbar.setManaged(false);
        hbar.setManaged(false);
        getChildren().addAll(probe, viewport, vbar, hbar);

        vbar.valueProperty().addListener((o, was, now) -> {
            if (!adjustingBars) {
                scrollTo(now.intValue(), now.doubleValue() >= vbar.getMax());
            }
        });
        hbar.valueProperty().addListener((o, was, now) -> {
            if (!adjustingBars) {
                requestLayout();
            }
        });
        follow.addListener((o, was, now) -> {
            if (!now) {
                topRow = firstShown;
                topShift = firstShownY;
            }
            requestLayout();
        });
        wrap.addListener(o -> requestLayout());
        showTimes.addListener(o -> requestLayout());
        addEventHandler(ScrollEvent.SCROLL, this::onScroll);
        addEventHandler(KeyEvent.KEY_PRESSED, this::onKey);
        viewport.addEventHandler(MouseEvent.MOUSE_PRESSED, this::onPress);
        viewport.addEventHandler(MouseEvent.MOUSE_DRAGGED, this::onDrag);
    }

    BooleanProperty followProperty() {
        return follow;
    }

    BooleanProperty wrapProperty() {
        return wrap;
    }

    BooleanProperty showTimesProperty() {
        return showTimes;
    }

    /** What to show: the store's lines, all of them ({@code rows} null) or the listed ones. */
    void setContent(LineStore store, int[] rows, int rowCount) {
        if (store != this.store) {
            selectionAnchor = selectionEnd = -1;
            topRow = 0;
            topShift = 0;
        }
        if (store != this.store || rows != this.rows || rowCount != this.rowCount) {
            this.store = store;
            this.rows = rows;
            this.rowCount = rowCount;
            requestLayout();
        }
    }

    /** The search whose matches are painted, and which match is the current one (line -1: none). */
    void setMatches(TextQuery query, int currentLine, int currentOrdinal) {
        if (query != this.query || currentLine != this.currentLine || currentOrdinal != this.currentOrdinal) {
            this.query = query;
            this.currentLine = currentLine;
            this.currentOrdinal = currentOrdinal;
            requestLayout();
        }
    }

    int rowCount() {
        return rowCount;
    }

    int lineAt(int row) {
        return rows == null ? row : rows[row];
    }

    /** The row showing {@code line}, or the row of the next shown line when the filter hides it. */
    int rowOf(int line) {
        if (rows == null) {
            return line;
        }
        int i = Arrays.binarySearch(rows, 0, rowCount, line);
        return i >= 0 ? i : -i - 1;
    }

    int firstShownRow() {
        return firstShown;
    }

    int lastShownRow() {
        return lastShown;
    }

    /** The rows on screen, top to bottom (for tests and for the operator's selection). */
    List<LineRow> shownRows() {
        List<LineRow> shown = new ArrayList<>();
        for (LineRow r : rowNodes) {
            if (r.isVisible()) {
                shown.add(r);
            }
        }
        shown.sort((a, b) -> Double.compare(a.getLayoutY(), b.getLayoutY()));
        return shown;
    }

    /** Brings a row into view, near the middle, unless it is already fully visible. */
    void reveal(int row) {
        boolean fullyShown = row > firstShown && row < lastShown || row == firstShown && firstRowWhole()
                || row == lastShown && endShown;
        if (!fullyShown) {
            follow.set(false);
            topRow = Math.max(0, row - (int) (viewport.getHeight() / lineHeight) / 2);
            topShift = 0;
            requestLayout();
        }
    }

    /** The selected lines that are shown, as text, times included when shown; empty when nothing is selected. */
    String selectedText() {
        if (selectionAnchor < 0) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int from = rowOf(Math.min(selectionAnchor, selectionEnd));
        int to = Math.min(rowCount, rowOf(Math.max(selectionAnchor, selectionEnd) + 1));
        for (int row = from; row < to; row++) {
            int line = lineAt(row);
            if (showTimes.get()) {
                out.append(Timestamps.format(store.time(line))).append(' ');
            }
            out.append(store.text(line)).append('\n');
        }
        return out.toString();
    }

    void selectAll() {
        if (rowCount > 0) {
            selectionAnchor = lineAt(0);
            selectionEnd = lineAt(rowCount - 1);
            requestLayout();
        }
    }

    @Override
    protected void layoutChildren() {
        double width = getWidth();
        double height = getHeight();
        lineHeight = Math.max(1, Math.ceil(probe.getLayoutBounds().getHeight())); // whole pixels: crisp text
        double charWidth = probe.getLayoutBounds().getWidth();
        double timeWidth = showTimes.get() ? charWidth * (Timestamps.CHARS + 2) : 0;
        double contentWidth = LineRow.PAD * 2 + timeWidth + charWidth * Math.min(store.longestLine(), LineRow.MAX_SHOWN_CHARS + 2);

        double vbarWidth = vbar.prefWidth(-1);
        double viewWidth = Math.max(0, width - vbarWidth);
        boolean scrollsSideways = !wrap.get() && contentWidth > viewWidth;
        double hbarHeight = scrollsSideways ? hbar.prefHeight(-1) : 0;
        double viewHeight = Math.max(0, height - hbarHeight);
        viewport.resizeRelocate(0, 0, viewWidth, viewHeight);
        clip.setWidth(viewWidth);
        clip.setHeight(viewHeight);
        vbar.resizeRelocate(viewWidth, 0, vbarWidth, viewHeight);
        hbar.setVisible(scrollsSideways);
        hbar.resizeRelocate(0, viewHeight, viewWidth, hbarHeight);

        double scrollX = scrollsSideways ? Math.min(hbar.getValue(), contentWidth - viewWidth) : 0;
        double rowWidth = Math.max(viewWidth, scrollsSideways ? contentWidth : 0);
        double wrapWidth = wrap.get() ? Math.max(charWidth * 8, viewWidth - 2 * LineRow.PAD - timeWidth) : 0;
        placeRows(viewHeight, -scrollX, rowWidth, timeWidth, wrapWidth);
        if (resumeAtEnd && endShown) {
            follow.set(true);
        }
        resumeAtEnd = false;
        updateBars(viewWidth, viewHeight, contentWidth, scrollX);
    }

    private void placeRows(double viewHeight, double x, double rowWidth, double timeWidth, double wrapWidth) {
        int used = 0;
        boolean fromBottom = follow.get();
        if (!fromBottom) {
            topRow = Math.max(0, Math.min(topRow, rowCount - 1));
            double y = topRow == 0 ? 0 : topShift;
            int row = topRow;
            for (; row < rowCount && y < viewHeight; row++) {
                y += place(used++, row, x, y, rowWidth, timeWidth, wrapWidth);
            }
            firstShown = topRow;
            firstShownY = topRow == 0 ? 0 : topShift;
            lastShown = row - 1;
            // scrolled past the end (a resize, a narrower filter): show the end instead of a gap
            fromBottom = row == rowCount && y < viewHeight && topRow > 0;
        }
        if (fromBottom) {
            used = 0;
            double y = viewHeight;
            int row = rowCount - 1;
            for (; row >= 0 && y > 0; row--) {
                LineRow node = fill(used++, row, timeWidth, wrapWidth);
                y -= height(node);
                node.resizeRelocate(x, y, rowWidth, height(node));
            }
            firstShown = row + 1;
            lastShown = rowCount - 1;
            if (y > 0) { // fewer rows than the screen holds: they start at the top
                for (int i = 0; i < used; i++) {
                    rowNodes.get(i).setLayoutY(rowNodes.get(i).getLayoutY() - y);
                }
            }
            firstShownY = Math.min(0, y);
        }
        for (int i = used; i < rowNodes.size(); i++) {
            rowNodes.get(i).setVisible(false);
        }
        // a screenful of rows exists before the lines do: the first busy frame only fills them
        for (int want = (int) Math.ceil(viewHeight / lineHeight) + 1; rowNodes.size() < want; ) {
            newRow();
        }
        endShown = lastShown == rowCount - 1 && (used == 0 || bottomOfLastRow() <= viewHeight + 0.5);
    }

    private double place(int index, int row, double x, double y, double rowWidth, double timeWidth, double wrapWidth) {
        LineRow node = fill(index, row, timeWidth, wrapWidth);
        double h = height(node);
        node.resizeRelocate(x, y, rowWidth, h);
        return h;
    }

    private LineRow fill(int index, int row, double timeWidth, double wrapWidth) {
        if (index == rowNodes.size()) {
            newRow();
        }
        LineRow node = rowNodes.get(index);
        int line = lineAt(row);
        boolean selected = selectionAnchor >= 0
                && line >= Math.min(selectionAnchor, selectionEnd) && line <= Math.max(selectionAnchor, selectionEnd);
        node.show(store, line, timeWidth, wrapWidth, query, line == currentLine ? currentOrdinal : -1, selected);
        node.setVisible(true);
        return node;
    }

    private LineRow newRow() {
        LineRow node = new LineRow();
        node.setManaged(false); // sized here; the viewport pane would shrink it to its (empty) preferred size
        node.setVisible(false);
        rowNodes.add(node);
        viewport.getChildren().add(node);
        node.applyCss(); // its font, hence its height when wrapping, comes from the stylesheet
        return node;
    }

    private double height(LineRow node) {
        return wrap.get() ? Math.max(lineHeight, Math.ceil(node.textHeight())) : lineHeight;
    }

    private double bottomOfLastRow() {
        double bottom = 0;
        for (LineRow r : rowNodes) {
            if (r.isVisible()) {
                bottom = Math.max(bottom, r.getLayoutY() + r.getHeight());
            }
        }
        return bottom;
    }

    private boolean firstRowWhole() {
        for (LineRow r : rowNodes) {
            if (r.isVisible() && r.getLayoutY() < -0.5) {
                return false;
            }
        }
        return true;
    }

    private void updateBars(double viewWidth, double viewHeight, double contentWidth, double scrollX) {
        adjustingBars = true;
        int page = Math.max(1, (int) (viewHeight / lineHeight));
        int max = Math.max(0, rowCount - page);
        vbar.setMax(max);
        vbar.setVisibleAmount(rowCount == 0 ? 1 : Math.max(1, (double) max * page / rowCount));
        vbar.setValue(endShown && lastShown >= 0 ? max : Math.min(max, firstShown));
        vbar.setUnitIncrement(1);
        vbar.setBlockIncrement(page);
        vbar.setDisable(max == 0);
        hbar.setMax(Math.max(0, contentWidth - viewWidth));
        hbar.setVisibleAmount(viewWidth);
        hbar.setUnitIncrement(lineHeight);
        hbar.setBlockIncrement(viewWidth);
        hbar.setValue(scrollX);
        adjustingBars = false;
    }

    /** Moves the top row; scrolling down onto the end follows again, any other scroll stops following. */
    private void scrollTo(int row, boolean toEnd) {
        if (toEnd) {
            follow.set(true);
            return;
        }
        boolean down = row > firstShown;
        if (down && endShown) {
            follow.set(true);
            return;
        }
        follow.set(false);
        topRow = Math.max(0, Math.min(row, rowCount - 1));
        resumeAtEnd = down;
        requestLayout();
    }

    private void scrollBy(int rows) {
        scrollTo(firstShown + rows, false);
    }

    private int page() {
        return Math.max(1, (int) (viewport.getHeight() / lineHeight) - 1);
    }

    private void onScroll(ScrollEvent e) {
        if (e.getDeltaY() != 0) {
            double lines = e.getTextDeltaYUnits() == ScrollEvent.VerticalTextScrollUnits.LINES
                    ? e.getTextDeltaY() : e.getDeltaY() / lineHeight;
            int n = (int) Math.max(1, Math.round(Math.abs(lines)));
            scrollBy(lines > 0 ? -n : n);
        }
        if (e.getDeltaX() != 0 && hbar.isVisible()) {
            hbar.setValue(Math.max(0, Math.min(hbar.getMax(), hbar.getValue() - e.getDeltaX())));
        }
        e.consume();
    }

    private void onKey(KeyEvent e) {
        if (SELECT_ALL.match(e)) {
            selectAll();
        } else {
            switch (e.getCode()) {
                case UP -> scrollBy(-1);
                case DOWN -> scrollBy(1);
                case PAGE_UP -> scrollBy(-page());
                case PAGE_DOWN -> scrollBy(page());
                case HOME -> scrollTo(0, false);
                case END -> follow.set(true);
                default -> {
                    return;
                }
            }
        }
        e.consume();
    }

    private void onPress(MouseEvent e) {
        requestFocus();
        int line = lineAtY(e.getY());
        if (line >= 0) {
            if (!e.isShiftDown() || selectionAnchor < 0) {
                selectionAnchor = line;
            }
            selectionEnd = line;
            requestLayout();
        }
    }

    private void onDrag(MouseEvent e) {
        int line = lineAtY(e.getY());
        if (line >= 0 && selectionAnchor >= 0 && line != selectionEnd) {
            selectionEnd = line;
            requestLayout();
        }
    }

    /** The line of the row at a height in the viewport (the nearest row when above or below them), or -1. */
    private int lineAtY(double y) {
        List<LineRow> shown = shownRows();
        for (LineRow r : shown) {
            if (y < r.getLayoutY() + r.getHeight()) {
                return r.line();
            }
        }
        return shown.isEmpty() ? -1 : shown.get(shown.size() - 1).line();
    }
}
