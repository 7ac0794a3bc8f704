package dev.pilothouse.console.logs;

import atlantafx.base.theme.PrimerLight;
import dev.pilothouse.runtime.LogLine;
import javafx.application.Application;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.Clipboard;
import javafx.scene.input.KeyCode;
import javafx.scene.input.ScrollEvent;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The viewer driven through its UI, headless: typing, keys, clicks; assertions on what is on screen. */
@ExtendWith(ApplicationExtension.class)
class LogViewerTest {
    private static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    private LogViewer viewer;
    private Path saveTo;

    @Start
    void start(Stage stage) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        viewer = new LogViewer();
        viewer.setSaveDialog((owner, name) -> Optional.ofNullable(saveTo));
        stage.setScene(new Scene(viewer, 900, 400));
        stage.show();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static List<LogLine> lines(int from, int to, IntFunction<String> text) {
        return IntStream.range(from, to).mapToObj(i -> new LogLine(T0.plusMillis(i), text.apply(i))).toList();
    }

    private static List<LogLine> numbered(int from, int to) {
        return lines(from, to, i -> "line " + i);
    }

    private static <T> T fx(Callable<T> c) {
        try {
            return WaitForAsyncUtils.asyncFx(c).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private LineView lineView() {
        return fx(() -> (LineView) viewer.lookup(".log-lines"));
    }

    /** The text of the rows on screen, top to bottom. */
    private List<String> visible() {
        LineView v = lineView();
        return fx(() -> v.shownRows().stream().filter(r -> r.getLayoutY() + r.getHeight() <= v.getHeight() + 0.5)
                .map(LineRow::shownText).toList());
    }

    private String label(String styleClass) {
        return fx(() -> ((Label) viewer.lookup("." + styleClass)).getText());
    }

    private void awaitFx(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(10)).until(() -> fx(condition));
    }

    private void awaitLabel(String styleClass, String text) {
        await().atMost(Duration.ofSeconds(10)).until(() -> label(styleClass), text::equals);
    }

    private void appendAndShow(List<LogLine> batch) {
        viewer.append(batch);
        awaitLabel("log-line-count", String.format(java.util.Locale.ROOT, "%,d lines", viewer.lineCount()));
    }

    private boolean selected(String styleClass) {
        return fx(() -> ((ButtonBase) viewer.lookup("." + styleClass)) instanceof javafx.scene.control.ToggleButton t
                && t.isSelected());
    }

    // ---- following -----------------------------------------------------------------------------

    @Test
    void followingKeepsTheLastLineInSightWhileAnotherThreadAppends(FxRobot robot) throws Exception {
        Thread producer = new Thread(() -> {
            for (int b = 0; b < 50; b++) {
                viewer.append(numbered(b * 400, (b + 1) * 400));
            }
        });
        producer.start();
        producer.join();

        awaitLabel("log-line-count", "20,000 lines");
        awaitFx(() -> visible().get(visible().size() - 1).equals("line 19999"));
        assertThat(selected("log-follow")).isTrue();
        List<String> shown = visible();
        assertThat(shown).hasSizeGreaterThan(10);
        assertThat(shown.get(0)).isEqualTo("line " + (20_000 - shown.size())); // consecutive, ending at the last
    }

    @Test
    void scrollingUpStopsFollowingAndEndResumes(FxRobot robot) {
        appendAndShow(numbered(0, 1_000));
        robot.clickOn(lineView()).type(KeyCode.PAGE_UP);
        awaitFx(() -> !viewer.followProperty().get());
        List<String> before = visible();
        assertThat(before.get(before.size() - 1)).isNotEqualTo("line 999");

        appendAndShow(numbered(1_000, 1_500));
        assertThat(visible()).isEqualTo(before); // new lines do not move a paused view
        assertThat(selected("log-follow")).isFalse();

        robot.clickOn(lineView()).type(KeyCode.END);
        awaitFx(() -> visible().get(visible().size() - 1).equals("line 1499"));
        assertThat(selected("log-follow")).isTrue();
    }

    @Test
    void theFollowButtonResumesFollowing(FxRobot robot) {
        appendAndShow(numbered(0, 500));
        List<String> following = visible();
        robot.clickOn(".log-follow");
        awaitFx(() -> !viewer.followProperty().get());
        assertThat(visible()).as("pausing moves nothing on screen").isEqualTo(following);
        appendAndShow(numbered(500, 600));
        assertThat(visible().get(visible().size() - 1)).isEqualTo("line 499");
        robot.clickOn(".log-follow");
        awaitFx(() -> visible().get(visible().size() - 1).equals("line 599"));
    }

    @Test
    void theMouseWheelScrollsByLinesAndScrollingBackToTheEndFollowsAgain(FxRobot robot) {
        appendAndShow(numbered(0, 1_000));
        // Monocle reverses and shrinks the robot's wheel, so the wheel events are made as a desktop sends them
        wheel(3);
        awaitFx(() -> !viewer.followProperty().get());
        assertThat(visible().get(visible().size() - 1)).isEqualTo("line 996");
        wheel(-1);
        awaitFx(() -> visible().get(visible().size() - 1).equals("line 997"));
        assertThat(viewer.followProperty().get()).isFalse();
        wheel(-2);
        awaitFx(() -> viewer.followProperty().get());
        appendAndShow(numbered(1_000, 1_001));
        awaitFx(() -> visible().get(visible().size() - 1).equals("line 1000"));
    }

    /** A mouse wheel turned {@code lines} notches up (negative: down) over the log. */
    private void wheel(int lines) {
        LineView v = lineView();
        fx(() -> {
            javafx.geometry.Point2D c = v.localToScene(v.getWidth() / 2, v.getHeight() / 2);
            javafx.event.Event.fireEvent(v, new ScrollEvent(ScrollEvent.SCROLL, c.getX(), c.getY(), c.getX(), c.getY(),
                    false, false, false, false, false, false, 0, 40.0 * lines, 0, 40.0 * lines,
                    ScrollEvent.HorizontalTextScrollUnits.NONE, 0, ScrollEvent.VerticalTextScrollUnits.LINES, lines,
                    0, null));
            return null;
        });
    }

    // ---- search --------------------------------------------------------------------------------

    @Test
    void searchMovesBetweenMatchesAndHighlightsThem(FxRobot robot) {
        // "Needle" on every 100th line, twice on line 500
        appendAndShow(lines(0, 2_000, i -> "line " + i + (i % 100 == 0 ? " needle" : "") + (i == 500 ? " NEEDLE" : "")));

        robot.clickOn(lineView()).press(KeyCode.CONTROL).type(KeyCode.F).release(KeyCode.CONTROL);
        assertThat(fx(() -> viewer.lookup(".log-search").isFocused())).isTrue();
        robot.write("needle");
        awaitLabel("log-match-count", "21 matches");

        robot.type(KeyCode.HOME); // the field's caret; the view still follows the end
        robot.type(KeyCode.ENTER); // the first match from the top of the screen: none below, so it wraps
        awaitLabel("log-match-count", "1 of 21");
        assertThat(visible()).contains("line 0 needle");
        assertThat(currentHighlightRow()).isEqualTo("line 0 needle");

        robot.type(KeyCode.ENTER);
        awaitLabel("log-match-count", "2 of 21");
        assertThat(visible()).contains("line 100 needle");
        assertThat(currentHighlightRow()).isEqualTo("line 100 needle");

        robot.type(KeyCode.F3).type(KeyCode.F3).type(KeyCode.F3).type(KeyCode.F3);
        awaitLabel("log-match-count", "6 of 21");
        assertThat(currentHighlightRow()).isEqualTo("line 500 needle NEEDLE");
        assertThat(currentHighlightX()).isLessThan(otherHighlightX("line 500 needle NEEDLE")); // the first of two
        robot.type(KeyCode.F3);
        awaitLabel("log-match-count", "7 of 21");
        assertThat(currentHighlightRow()).isEqualTo("line 500 needle NEEDLE");
        assertThat(currentHighlightX()).isGreaterThan(otherHighlightX("line 500 needle NEEDLE")); // the second

        robot.press(KeyCode.SHIFT).type(KeyCode.ENTER).release(KeyCode.SHIFT);
        awaitLabel("log-match-count", "6 of 21");
        robot.press(KeyCode.SHIFT).type(KeyCode.F3).release(KeyCode.SHIFT);
        awaitLabel("log-match-count", "5 of 21");
        assertThat(currentHighlightRow()).isEqualTo("line 400 needle");

        robot.clickOn(".log-next-match");
        awaitLabel("log-match-count", "6 of 21");
        robot.clickOn(".log-previous-match").clickOn(".log-previous-match");
        awaitLabel("log-match-count", "4 of 21");
        assertThat(visible()).contains("line 300 needle");
        assertThat(currentHighlightRow()).isEqualTo("line 300 needle");
        // every visible line holding the text is painted, current or not
        assertThat(highlightedRows()).containsAll(visible().stream().filter(s -> s.contains("needle")).toList());
    }

    @Test
    void aSearchWithoutMatchesSaysSo(FxRobot robot) {
        appendAndShow(numbered(0, 100));
        robot.clickOn(".log-search").write("absent");
        awaitLabel("log-match-count", "no matches");
    }

    private String currentHighlightRow() {
        return fx(() -> lineView().shownRows().stream()
                .filter(r -> !((javafx.scene.shape.Path) r.lookup(".log-match-current")).getElements().isEmpty())
                .map(LineRow::shownText).findFirst().orElse(null));
    }

    private double currentHighlightX() {
        return fx(() -> lineView().shownRows().stream().map(r -> (javafx.scene.shape.Path) r.lookup(".log-match-current"))
                .filter(p -> !p.getElements().isEmpty()).findFirst().orElseThrow().getBoundsInParent().getMinX());
    }

    private double otherHighlightX(String row) {
        return fx(() -> lineView().shownRows().stream().filter(r -> r.shownText().equals(row))
                .map(r -> (javafx.scene.shape.Path) r.lookup(".log-match")).findFirst().orElseThrow().getBoundsInParent().getMinX());
    }

    private List<String> highlightedRows() {
        return fx(() -> lineView().shownRows().stream().filter(r -> {
            javafx.scene.shape.Path all = (javafx.scene.shape.Path) r.lookup(".log-match");
            javafx.scene.shape.Path current = (javafx.scene.shape.Path) r.lookup(".log-match-current");
            return !all.getElements().isEmpty() || !current.getElements().isEmpty();
        }).map(LineRow::shownText).toList());
    }

    // ---- filter --------------------------------------------------------------------------------

    @Test
    void aRegexFilterShowsOnlyMatchingLinesAndAnInvalidOneChangesNothing(FxRobot robot) {
        appendAndShow(lines(0, 3_000, i -> (i % 3 == 0 ? "WARN" : i % 3 == 1 ? "INFO" : "ERROR") + " event " + i));

        robot.clickOn(".log-filter").write("^(WARN|ERROR) .*7$");
        awaitLabel("log-line-count", "200 of 3,000 lines");
        assertThat(visible()).isNotEmpty().allMatch(s -> s.matches("^(WARN|ERROR) .*7$"));
        assertThat(visible().get(visible().size() - 1)).isEqualTo("WARN event 2997");
        assertThat(fx(() -> viewer.lookup(".log-message").isVisible())).isFalse();

        List<String> before = visible();
        robot.write("(");
        awaitFx(() -> viewer.lookup(".log-message").isVisible());
        assertThat(label("log-message")).startsWith("Invalid filter: Unclosed group");
        // the same lines (the message above them takes a row's height)
        List<String> after = visible();
        assertThat(after).hasSizeGreaterThan(before.size() - 3);
        assertThat(before).endsWith(after.toArray(String[]::new));
        assertThat(label("log-line-count")).isEqualTo("200 of 3,000 lines");

        robot.type(KeyCode.BACK_SPACE);
        awaitFx(() -> !viewer.lookup(".log-message").isVisible());
        robot.press(KeyCode.CONTROL).type(KeyCode.A).release(KeyCode.CONTROL).type(KeyCode.BACK_SPACE);
        awaitLabel("log-line-count", "3,000 lines");
    }

    @Test
    void aFilterTooDeepForTheStackSaysSoInsteadOfSearchingForever(FxRobot robot) {
        appendAndShow(List.of(new LogLine(null, "ab".repeat(100_000)), new LogLine(null, "c")));
        robot.clickOn(".log-filter").write("(a|b)*c"); // java.util.regex recurses once per repetition
        awaitFx(() -> viewer.lookup(".log-message").isVisible() && label("log-message").startsWith("The filter stopped"));
        assertThat(label("log-message")).contains("recurses too deeply");
    }

    @Test
    void searchUnderAFilterCountsOnlyTheShownLines(FxRobot robot) {
        appendAndShow(lines(0, 1_000, i -> (i % 2 == 0 ? "even " : "odd ") + "x" + i));
        robot.clickOn(".log-filter").write("^odd");
        awaitLabel("log-line-count", "500 of 1,000 lines");
        robot.clickOn(".log-search").write("x1");
        awaitLabel("log-match-count", "56 matches"); // odd numbers starting with 1: 1, 11-19, 101-199
    }

    // ---- timestamps, wrap ----------------------------------------------------------------------

    @Test
    void theTimestampsButtonShowsEachLinesTime(FxRobot robot) {
        appendAndShow(numbered(0, 50));
        List<String> times = fx(() -> lineView().shownRows().stream()
                .map(r -> ((Text) r.lookup(".log-time")))
                .filter(Node::isVisible).map(Text::getText).toList());
        assertThat(times).isEmpty();

        robot.clickOn(".log-times");
        awaitFx(() -> lineView().shownRows().stream().anyMatch(r -> r.lookup(".log-time").isVisible()));
        LineRow last = fx(() -> lineView().shownRows().get(lineView().shownRows().size() - 1));
        assertThat(fx(() -> ((Text) last.lookup(".log-time")).getText()))
                .isEqualTo(Timestamps.format(T0.plusMillis(49)));
        assertThat(fx(() -> last.lookup(".log-text").getBoundsInParent().getMinX()))
                .isGreaterThan(fx(() -> last.lookup(".log-time").getBoundsInParent().getMaxX()));
    }

    @Test
    void theWrapButtonWrapsLongLines(FxRobot robot) {
        String longLine = "start " + "0123456789 ".repeat(40) + "end";
        appendAndShow(List.of(new LogLine(null, "short"), new LogLine(null, longLine), new LogLine(null, "after")));
        double oneLine = fx(() -> lineView().shownRows().get(0).getHeight());
        assertThat(fx(() -> lineView().shownRows().get(1).getHeight())).isEqualTo(oneLine);
        assertThat(horizontalBarShown()).isTrue();

        robot.clickOn(".log-wrap");
        awaitFx(() -> lineView().shownRows().get(1).getHeight() > 2 * oneLine);
        assertThat(visible()).containsExactly("short", longLine, "after");
        assertThat(horizontalBarShown()).isFalse();
        // the wrapped row fits in the view's width
        assertThat(fx(() -> lineView().shownRows().get(1).lookup(".log-text").getBoundsInParent().getMaxX()))
                .isLessThan(fx(() -> lineView().getWidth()));
    }

    private boolean horizontalBarShown() {
        return fx(() -> lineView().lookupAll(".scroll-bar").stream()
                .filter(n -> ((javafx.scene.control.ScrollBar) n).getOrientation() == javafx.geometry.Orientation.HORIZONTAL)
                .findFirst().orElseThrow().isVisible());
    }

    // ---- save, copy, clear ---------------------------------------------------------------------

    @Test
    void saveWritesAllLinesOrOnlyTheFilteredOnes(FxRobot robot, @TempDir Path dir) throws Exception {
        List<LogLine> batch = lines(0, 5_000, i -> (i % 5 == 0 ? "keep " : "drop ") + i + " ünïcode");
        appendAndShow(batch);

        saveTo = dir.resolve("all.log");
        robot.clickOn(".log-save").clickOn("Save all lines…");
        awaitFx(() -> label("log-message").startsWith("Saved 5,000 lines"));
        assertThat(Files.readAllLines(saveTo, StandardCharsets.UTF_8))
                .isEqualTo(batch.stream().map(LogLine::text).toList());

        robot.clickOn(".log-filter").write("^keep");
        awaitLabel("log-line-count", "1,000 of 5,000 lines");
        robot.clickOn(".log-times");
        saveTo = dir.resolve("filtered.log");
        robot.clickOn(".log-save").clickOn("Save the filtered lines…");
        awaitFx(() -> label("log-message").startsWith("Saved 1,000 lines"));
        assertThat(Files.readAllLines(saveTo, StandardCharsets.UTF_8)).isEqualTo(batch.stream()
                .filter(l -> l.text().startsWith("keep"))
                .map(l -> Timestamps.format(l.time()) + " " + l.text()).toList());
    }

    @Test
    void aSaveThatFailsSaysWhy(FxRobot robot, @TempDir Path dir) {
        appendAndShow(numbered(0, 10));
        saveTo = dir.resolve("no-such-dir").resolve("x.log");
        robot.clickOn(".log-save").clickOn("Save all lines…");
        awaitFx(() -> label("log-message").startsWith("Could not save to " + saveTo));
        assertThat(label("log-message")).contains("NoSuchFileException");
        assertThat(fx(() -> viewer.lookup(".log-message").getPseudoClassStates().toString())).contains("danger");
    }

    @Test
    void cancellingTheSaveDialogWritesNothing(FxRobot robot) {
        appendAndShow(numbered(0, 10));
        saveTo = null;
        robot.clickOn(".log-save").clickOn("Save all lines…");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> viewer.lookup(".log-message").isVisible())).isFalse();
    }

    @Test
    void copyPutsTheSelectedLinesOnTheClipboard(FxRobot robot) {
        appendAndShow(numbered(0, 10));
        LineView v = lineView();
        Node first = fx(() -> v.shownRows().get(2));
        Node last = fx(() -> v.shownRows().get(4));
        robot.clickOn(first).press(KeyCode.SHIFT).clickOn(last).release(KeyCode.SHIFT);
        robot.press(KeyCode.CONTROL).type(KeyCode.C).release(KeyCode.CONTROL);
        awaitFx(() -> "line 2\nline 3\nline 4\n".equals(Clipboard.getSystemClipboard().getString()));

        robot.clickOn(fx(() -> v.shownRows().get(7))).clickOn(".log-copy");
        awaitFx(() -> "line 7\n".equals(Clipboard.getSystemClipboard().getString()));
    }

    @Test
    void clearEmptiesTheView(FxRobot robot) {
        appendAndShow(numbered(0, 100));
        robot.clickOn(".log-clear");
        awaitLabel("log-line-count", "0 lines");
        assertThat(visible()).isEmpty();
        assertThat(label("log-placeholder")).isEqualTo("No lines yet");
        appendAndShow(numbered(100, 103));
        assertThat(visible()).containsExactly("line 100", "line 101", "line 102");
    }

    // ---- concurrency ---------------------------------------------------------------------------

    @Test
    void appendsFromSeveralThreadsLoseNothingAndKeepEachThreadsOrder(@TempDir Path dir) throws Exception {
        int threads = 4;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int id = t;
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; ) { // uneven batches, like an engine's reads
                    int n = Math.min(perThread - i, 1 + (i * 31 + id) % 700);
                    List<LogLine> batch = new ArrayList<>(n);
                    for (int k = 0; k < n; k++, i++) {
                        batch.add(new LogLine(null, "t" + id + " " + i));
                    }
                    viewer.append(batch);
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        awaitLabel("log-line-count", "200,000 lines");
        Path saved = dir.resolve("all.log");
        assertThat(fx(() -> viewer.save(saved, false)).get(10, TimeUnit.SECONDS)).isEqualTo(threads * perThread);
        int[] next = new int[threads];
        for (String line : Files.readAllLines(saved)) {
            String[] parts = line.split(" ");
            int id = Integer.parseInt(parts[0].substring(1));
            assertThat(Integer.parseInt(parts[1])).isEqualTo(next[id]++);
        }
        assertThat(next).containsOnly(perThread);
    }
}
