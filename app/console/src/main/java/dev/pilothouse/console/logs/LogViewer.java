package dev.pilothouse.console.logs;

import atlantafx.base.theme.Styles;
import dev.pilothouse.console.Background;
import dev.pilothouse.console.FrameBatcher;
import dev.pilothouse.runtime.LogLine;
import javafx.beans.property.BooleanProperty;
import javafx.scene.control.Label;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignA;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A live log: follows new lines, searches, filters with a regex, shows times, wraps, copies and
 * saves. Holds millions of lines compactly and draws only the rows on screen.
 *
 * <p>{@link #append} and {@link #clear} may be called from any thread; everything else on the FX
 * thread. Appended lines reach the screen at the next frame, coalesced: one update per frame
 * however many batches arrived (while the viewer is in a scene).
 */
public final class LogViewer extends BorderPane {
    private static final String STYLESHEET = "/styles/log-viewer.css";
    private static final KeyCombination FIND = new KeyCodeCombination(KeyCode.F, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination COPY = new KeyCodeCombination(KeyCode.C, KeyCombination.SHORTCUT_DOWN);

    private static final Boolean NEWS = Boolean.TRUE; // what the frame batcher carries: only that something changed

    private volatile LineStore store = new LineStore();
    private final FrameBatcher<Boolean> frames = new FrameBatcher<>(news -> { }, this::onFrame);
    private final Background work = new Background(running -> { });
    private final LogToolbar toolbar = new LogToolbar();
    private final LineView lines = new LineView();
    private final Label message = new Label();
    private final Label placeholder = new Label();
    private final FontIcon errorIcon = new FontIcon(MaterialDesignA.ALERT_CIRCLE_OUTLINE);
    private SaveDialog saveDialog = new FileChooserSaveDialog();
    private String suggestedFileName = "log.txt";

    // FX thread state
    private LineStore shownStore = store;
    private Pattern filter;
    private TextQuery query;
    private ViewScan scan;     // null when there is neither a filter nor a search
    private int currentMatch = -1;
    // While a flood scrolls past (frame after frame, more new lines than a screen holds), the rows
    // are redrawn at most every 100 ms: unreadable anyway, and each repaint of the whole view
    // costs a software renderer tens of milliseconds (docs/performance.md). A single burst shows at once.
    private static final int FLOOD = 200;
    private static final long FLOOD_REFRESH = 100_000_000L;
    private LineStore rowsStore;
    private int rowsTotal;
    private long rowsAt;
    private boolean rowsFlooded;

    public LogViewer() {
        getStyleClass().add("log-viewer");
        getStylesheets().add(Objects.requireNonNull(LogViewer.class.getResource(STYLESHEET)).toExternalForm());
        message.getStyleClass().add("log-message");
        showMessage(null, false);
        placeholder.getStyleClass().add("log-placeholder");
        placeholder.setMouseTransparent(true);
        setTop(new VBox(toolbar, message));
        setCenter(new StackPane(lines, placeholder));

        toolbar.times.selectedProperty().bindBidirectional(lines.showTimesProperty());
        toolbar.wrap.selectedProperty().bindBidirectional(lines.wrapProperty());
        toolbar.follow.selectedProperty().bindBidirectional(lines.followProperty());
        toolbar.search.textProperty().addListener((o, was, now) -> setQuery(TextQuery.of(now)));
        toolbar.filter.textProperty().addListener((o, was, now) -> setFilter(now));
        toolbar.previous.setOnAction(e -> findPrevious());
        toolbar.next.setOnAction(e -> findNext());
        toolbar.copy.setOnAction(e -> copySelection());
        toolbar.clear.setOnAction(e -> clear());
        toolbar.saveAll.setOnAction(e -> saveWithDialog(false));
        toolbar.saveShown.setOnAction(e -> saveWithDialog(true));
        toolbar.search.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER) {
                find(!e.isShiftDown());
                e.consume();
            } else if (e.getCode() == KeyCode.ESCAPE) {
                lines.requestFocus();
                e.consume();
            }
        });
        addEventFilter(KeyEvent.KEY_PRESSED, this::onShortcut);
        // per-frame updates only while shown: a running frame timer would keep a discarded viewer alive
        sceneProperty().addListener((o, was, now) -> {
            if (now == null) {
                frames.stop();
            } else {
                onFrame();
                frames.start();
            }
        });
        onFrame();
    }

    // ---- the console's API ---------------------------------------------------------------------

    /** Adds lines at the end. Any thread, any rate: copies them into the store and returns. */
    public void append(List<LogLine> batch) {
        if (!batch.isEmpty()) {
            store.append(batch);
            frames.add(NEWS);
        }
    }

    /** Forgets every line. Any thread; lines appended afterwards start the new log. */
    public void clear() {
        store = new LineStore();
        frames.add(NEWS);
    }

    /** How many lines the viewer holds (shown or filtered out). Any thread. */
    public int lineCount() {
        return store.size();
    }

    /** Whether the view keeps the last line in sight as lines arrive. */
    public BooleanProperty followProperty() {
        return lines.followProperty();
    }

    public BooleanProperty wrapProperty() {
        return lines.wrapProperty();
    }

    public BooleanProperty showTimestampsProperty() {
        return lines.showTimesProperty();
    }

    /** Where "Save" asks for a file; the default is the native file chooser. */
    public void setSaveDialog(SaveDialog dialog) {
        this.saveDialog = Objects.requireNonNull(dialog);
    }

    /** The file name "Save" proposes, e.g. {@code <session>-<agent>.log}. */
    public void setSuggestedFileName(String name) {
        this.suggestedFileName = Objects.requireNonNull(name);
    }

    /**
     * Writes the lines held now — all of them, or only those the filter shows — to a file, off the
     * FX thread, with their times when timestamps are shown. The message line tells while it runs
     * and how it ended. FX thread; completes with the number of lines written.
     */
    public CompletableFuture<Integer> save(Path file, boolean filteredOnly) {
        LineStore s = shownStore;
        int count = s.size();
        Pattern only = filteredOnly ? filter : null;
        boolean withTimes = lines.showTimesProperty().get();
        showMessage("Saving to " + file + "…", false);
        return work.run(() -> {
            try {
                return LogExport.write(file, s, count, only, withTimes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, n -> showMessage("Saved " + lineCountText(n) + " to " + file, false), failure -> {
            Throwable cause = failure instanceof UncheckedIOException u ? u.getCause() : failure;
            showMessage("Could not save to " + file + ": " + cause, true);
        });
    }

    /** Moves to the next search match (wrapping around) and brings it into view. */
    public void findNext() {
        find(true);
    }

    public void findPrevious() {
        find(false);
    }

    // ---- behaviour -----------------------------------------------------------------------------

    /** Once per frame with news: picks up new lines, a clear, or scan progress, and shows them. */
    private void onFrame() {
        LineStore s = store;
        if (s != shownStore) {
            shownStore = s;
            restartScan();
        }
        ViewScan.Result found = null;
        if (scan != null) {
            scan.catchUp();
            found = scan.result();
        }
        int total = s.size();
        boolean filtered = filter != null && found != null;
        long now = System.nanoTime();
        boolean flood = s == rowsStore && lines.followProperty().get() && total - rowsTotal > FLOOD;
        if (flood && rowsFlooded && now - rowsAt < FLOOD_REFRESH) {
            frames.add(NEWS); // the rows at a later frame; the count below still moves every frame
        } else {
            lines.setContent(s, filtered ? found.rows() : null, filtered ? found.rowCount() : total);
            rowsStore = s;
            rowsTotal = total;
            rowsAt = now;
            rowsFlooded = flood;
        }
        if (found != null && currentMatch >= 0 && currentMatch < found.matchCount()) {
            lines.setMatches(query, found.lineOfMatch(currentMatch), found.ordinalInLine(currentMatch));
        } else {
            lines.setMatches(query, -1, -1);
        }
        setText(toolbar.lineCount, filtered
                ? String.format(Locale.ROOT, "%,d of %s", found.rowCount(), lineCountText(total))
                : lineCountText(total));
        setText(toolbar.matchCount, matchCountText(found));
        toolbar.saveShown.setDisable(filter == null);
        int shownRows = lines.rowCount();
        setText(placeholder, shownRows > 0 ? "" : total == 0 ? "No lines yet"
                : scan.firstPassDone() ? "No line matches the filter" : "Filtering…");
        placeholder.setVisible(shownRows == 0);
    }

    private void setQuery(TextQuery q) {
        query = q;
        currentMatch = -1;
        restartScan();
    }

    private void setFilter(String regex) {
        try {
            Pattern p = regex.isEmpty() ? null : Pattern.compile(regex);
            toolbar.filter.pseudoClassStateChanged(Styles.STATE_DANGER, false);
            showMessage(null, false);
            filter = p;
            currentMatch = -1;
            restartScan();
        } catch (PatternSyntaxException e) {
            // an invalid regex changes nothing: the previous filter stays
            toolbar.filter.pseudoClassStateChanged(Styles.STATE_DANGER, true);
            showMessage("Invalid filter: " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at position " + (e.getIndex() + 1) : ""), true);
        }
    }

    private void restartScan() {
        ViewScan old = scan;
        if (old != null) {
            old.cancel();
        }
        ViewScan.Result sameFilter = old != null && old.store() == shownStore && old.filter() == filter
                ? old.result() : null;
        if (filter == null && query == null) {
            scan = null;
        } else {
            ViewScan[] created = new ViewScan[1];
            Executor worker = task -> work.run(() -> {
                task.run();
                return null;
            }, done -> { }, failure -> {
                if (scan == created[0]) { // a replaced scan's failure is no longer news
                    scanFailed(failure);
                }
            });
            created[0] = new ViewScan(shownStore, filter, query, sameFilter, worker, () -> frames.add(NEWS));
            scan = created[0];
        }
        frames.add(NEWS);
    }

    private void find(boolean forward) {
        ViewScan.Result found = scan == null || query == null ? null : scan.result();
        int n = found == null ? 0 : found.matchCount();
        if (n == 0) {
            return;
        }
        int m;
        if (currentMatch >= 0 && currentMatch < n) {
            m = forward ? (currentMatch + 1) % n : (currentMatch - 1 + n) % n;
        } else if (lines.rowCount() == 0) {
            m = forward ? 0 : n - 1;
        } else { // the first match from what is on screen
            m = forward ? found.firstMatchFrom(lines.lineAt(lines.firstShownRow()))
                    : found.lastMatchUpTo(lines.lineAt(Math.max(0, lines.lastShownRow())));
            if (m < 0) {
                m = forward ? 0 : n - 1;
            }
        }
        currentMatch = m;
        int line = found.lineOfMatch(m);
        lines.setMatches(query, line, found.ordinalInLine(m));
        lines.reveal(lines.rowOf(line));
        setText(toolbar.matchCount, matchCountText(found));
    }

    /** A scan gave up (a regex too deep for the stack on a huge line): say so instead of "searching…" forever. */
    private void scanFailed(Throwable failure) {
        String why = failure instanceof StackOverflowError ? "the pattern recurses too deeply on a long line"
                : String.valueOf(failure.getMessage());
        showMessage((filter != null ? "The filter" : "The search") + " stopped: " + why, true);
    }

    private String matchCountText(ViewScan.Result found) {
        if (query == null || found == null) {
            return "";
        }
        int n = found.matchCount();
        if (n == 0) {
            return scan.firstPassDone() ? "no matches" : "searching…";
        }
        return currentMatch >= 0 && currentMatch < n
                ? String.format(Locale.ROOT, "%,d of %,d", currentMatch + 1, n)
                : String.format(Locale.ROOT, n == 1 ? "%,d match" : "%,d matches", n);
    }

    private void onShortcut(KeyEvent e) {
        if (FIND.match(e)) {
            toolbar.search.requestFocus();
            toolbar.search.selectAll();
        } else if (e.getCode() == KeyCode.F3) {
            find(!e.isShiftDown());
        } else if (COPY.match(e) && lines.isFocused()) {
            copySelection();
        } else {
            return;
        }
        e.consume();
    }

    private void copySelection() {
        String text = lines.selectedText();
        if (!text.isEmpty()) {
            ClipboardContent content = new ClipboardContent();
            content.putString(text);
            Clipboard.getSystemClipboard().setContent(content);
        }
    }

    private void saveWithDialog(boolean filteredOnly) {
        saveDialog.choose(getScene() == null ? null : getScene().getWindow(), suggestedFileName)
                .ifPresent(file -> save(file, filteredOnly));
    }

    private void showMessage(String text, boolean error) {
        message.setText(text);
        message.setVisible(text != null);
        message.setManaged(text != null);
        message.setGraphic(error ? errorIcon : null);
        message.pseudoClassStateChanged(Styles.STATE_DANGER, error);
    }

    private static String lineCountText(int n) {
        return String.format(Locale.ROOT, n == 1 ? "%,d line" : "%,d lines", n);
    }

    /** Sets a label only when its text changes, sparing a layout pass on most frames. */
    private static void setText(Label label, String text) {
        if (!text.equals(label.getText())) {
            label.setText(text);
        }
    }
}
