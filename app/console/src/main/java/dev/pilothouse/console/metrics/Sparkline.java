package dev.pilothouse.console.metrics;

import javafx.scene.layout.Region;
import javafx.scene.shape.Polyline;

/**
 * A small line of recent figures, drawn in a table cell beside the current value. Scaled to its own
 * peak (never below {@code floor}, so an idle session's noise stays flat); gaps (NaN) are skipped.
 */
public final class Sparkline extends Region {
    private static final double WIDTH = 48;
    private static final double HEIGHT = 14;
    private final Polyline line = new Polyline();

    public Sparkline() {
        getStyleClass().add("sparkline");
        line.getStyleClass().add("sparkline-line");
        // the baseline shows where the line will be while the first readings come in
        javafx.scene.shape.Line base = new javafx.scene.shape.Line(0, HEIGHT - 0.5, WIDTH, HEIGHT - 0.5);
        base.getStyleClass().add("sparkline-base");
        getChildren().addAll(base, line);
        setMinSize(WIDTH, HEIGHT);
        setPrefSize(WIDTH, HEIGHT);
        setMaxSize(WIDTH, HEIGHT);
    }

    /** Draws {@code values} (oldest first); null or all NaN clears it. */
    public void set(double[] values, double floor) {
        line.getPoints().clear();
        if (values == null) {
            return;
        }
        double max = floor;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                max = Math.max(max, v);
            }
        }
        double step = WIDTH / (values.length - 1);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(values[i])) {
                line.getPoints().addAll(i * step, HEIGHT - 1 - values[i] / max * (HEIGHT - 2));
            }
        }
    }

    /** The drawn points, x and y by turns (tests). */
    public java.util.List<Double> points() {
        return line.getPoints();
    }
}
