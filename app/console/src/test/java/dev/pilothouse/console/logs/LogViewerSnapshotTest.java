package dev.pilothouse.console.logs;

import dev.pilothouse.console.Snapshots;
import dev.pilothouse.console.Themes;
import dev.pilothouse.runtime.LogLine;
import javafx.geometry.Bounds;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.scene.input.KeyCode;
import javafx.scene.shape.Path;
import javafx.stage.Stage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The viewer as the console shows it, in the light and the dark theme, written to
 * {@code target/snapshots/} for a person to look at; the test checks that the search highlights
 * stand out from the log's background in both.
 */
@ExtendWith(ApplicationExtension.class)
class LogViewerSnapshotTest {
    private static final Instant T0 = Instant.parse("2026-11-21T09:00:00Z");
    private Stage stage;
    private LogViewer viewer;

    @Start
    void start(Stage stage) {
        this.stage = stage;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void searchFilterAndTimes(boolean dark, FxRobot robot) throws IOException {
        robot.interact(() -> {
            Themes.apply(dark); // as the console window does
            viewer = new LogViewer();
            Scene scene = new Scene(viewer, 1000, 360);
            Themes.style(scene, dark);
            stage.setScene(scene);
            stage.show();
        });
        viewer.append(sample());
        await().until(() -> viewer.lineCount() == 60 && fx(() -> !lineView().shownRows().isEmpty()));
        robot.clickOn(".log-times");
        robot.clickOn(".log-search").write("error").type(KeyCode.ENTER).type(KeyCode.ENTER);
        await().atMost(Duration.ofSeconds(10)).until(() -> fx(() -> currentMatch() != null));
        robot.clickOn(fx(() -> lineView().shownRows().get(3)));
        String theme = dark ? "dark" : "light";
        java.nio.file.Path file = java.nio.file.Path.of("target/snapshots", "log-viewer-" + theme + ".png");
        robot.interact(() -> Snapshots.write(viewer, file));

        Image image;
        try (InputStream in = Files.newInputStream(file)) {
            image = new Image(in);
        }
        Bounds current = fx(() -> viewer.sceneToLocal(currentMatch().localToScene(currentMatch().getBoundsInLocal())));
        Bounds other = fx(() -> viewer.sceneToLocal(otherMatch().localToScene(otherMatch().getBoundsInLocal())));
        int background = fx(() -> {
            Bounds b = viewer.sceneToLocal(lineView().localToScene(lineView().getBoundsInLocal()));
            return image.getPixelReader().getArgb((int) b.getMaxX() - 40, (int) b.getMaxY() - 8);
        });
        // sampled at the top-left corner of each highlight, above the glyphs
        int currentColour = image.getPixelReader().getArgb((int) current.getMinX() + 1, (int) current.getMinY() + 1);
        int otherColour = image.getPixelReader().getArgb((int) other.getMinX() + 1, (int) other.getMinY() + 1);
        assertThat(distance(currentColour, background)).as("current match against the background").isGreaterThan(60);
        assertThat(distance(otherColour, background)).as("other matches against the background").isGreaterThan(30);
        assertThat(distance(currentColour, otherColour)).as("current match against the others").isGreaterThan(30);
        // the text stays readable on the current match (WCAG's 4.5:1 for normal text)
        javafx.scene.paint.Color text = fx(() -> (javafx.scene.paint.Color) ((javafx.scene.text.Text) currentMatch()
                .getParent().lookup(".log-text")).getFill());
        javafx.scene.paint.Color mark = fx(() -> (javafx.scene.paint.Color) currentMatch().getFill());
        assertThat(contrast(text, mark)).as("text on the current match").isGreaterThan(4.5);
    }

    private static double contrast(javafx.scene.paint.Color a, javafx.scene.paint.Color b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    private static double luminance(javafx.scene.paint.Color c) {
        double[] rgb = {c.getRed(), c.getGreen(), c.getBlue()};
        for (int i = 0; i < 3; i++) {
            rgb[i] = rgb[i] <= 0.03928 ? rgb[i] / 12.92 : Math.pow((rgb[i] + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wrappedWithAnInvalidFilter(boolean dark, FxRobot robot) {
        robot.interact(() -> {
            Themes.apply(dark);
            viewer = new LogViewer();
            Scene scene = new Scene(viewer, 700, 300);
            Themes.style(scene, dark);
            stage.setScene(scene);
            stage.show();
        });
        viewer.append(sample());
        await().until(() -> viewer.lineCount() == 60);
        robot.clickOn(".log-wrap");
        robot.clickOn(".log-filter").write("(ERROR|WARN");
        await().until(() -> fx(() -> viewer.lookup(".log-message").isVisible()));
        robot.interact(() -> Snapshots.write(viewer,
                java.nio.file.Path.of("target/snapshots", "log-viewer-wrapped-error-" + (dark ? "dark" : "light") + ".png")));
    }

    private static List<LogLine> sample() {
        String[] levels = {"INFO ", "DEBUG", "INFO ", "WARN ", "INFO ", "ERROR"};
        List<LogLine> lines = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String level = levels[i % levels.length];
            String text = level + " agent.worker - step " + i + ": " + switch (i % 6) {
                case 3 -> "retrying request to model endpoint (attempt 2 of 5)";
                case 5 -> "tool call failed: error 502 from upstream; error budget 3/10 used";
                case 1 -> "cache hit for key session/" + i + " — résumé ünïcode ✓";
                default -> i % 12 == 0 ? "long line " + "lorem ipsum dolor sit amet ".repeat(12) : "ok";
            };
            lines.add(new LogLine(T0.plusMillis(137L * i), text));
        }
        return lines;
    }

    private LineView lineView() {
        return (LineView) viewer.lookup(".log-lines");
    }

    private Path currentMatch() {
        return lineView().shownRows().stream().map(r -> (Path) r.lookup(".log-match-current"))
                .filter(p -> !p.getElements().isEmpty()).findFirst().orElse(null);
    }

    private Path otherMatch() {
        return lineView().shownRows().stream().map(r -> (Path) r.lookup(".log-match"))
                .filter(p -> !p.getElements().isEmpty()).findFirst().orElseThrow();
    }

    private static double distance(int a, int b) {
        int dr = (a >> 16 & 0xff) - (b >> 16 & 0xff);
        int dg = (a >> 8 & 0xff) - (b >> 8 & 0xff);
        int db = (a & 0xff) - (b & 0xff);
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }

    private static <T> T fx(Callable<T> c) {
        try {
            return org.testfx.util.WaitForAsyncUtils.asyncFx(c).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
