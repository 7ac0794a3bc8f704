package dev.pilothouse.console.replay;

import javafx.animation.AnimationTimer;
import javafx.util.Duration;

import java.util.ArrayList;
import java.util.List;

/**
 * The Replay window's slower views (its lists and the conversation) redrawn while the cursor moves:
 * at most one of them a frame, each at most once per its interval, the one waiting longest first.
 * A drag or play at 100× moves the cursor every frame; redrawing every view each time made one frame
 * lay out and paint two lists and the conversation, which in the first seconds (the JIT still
 * compiling, on two cores) took two to four frames' time. Spread out, the scrubber, its labels and
 * the diagram follow every frame and each view within a few; the last position is always drawn.
 * FX thread only.
 */
final class Redraws extends AnimationTimer {
    /** A view that redraws itself from the window's current frame. */
    private static final class View {
        private final long interval;
        private final Runnable draw;
        private long drawn = Long.MIN_VALUE;
        private boolean due;

        private View(Duration interval, Runnable draw) {
            this.interval = (long) (interval.toMillis() * 1_000_000);
            this.draw = draw;
        }
    }

    private final List<View> views = new ArrayList<>();

    void add(Duration interval, Runnable draw) {
        views.add(new View(interval, draw));
    }

    /** Marks every view due: drawn from the next frame on (starting a running timer again does nothing). */
    void requestAll() {
        views.forEach(v -> v.due = true);
        start();
    }

    /** Whether a view still waits to be drawn (tests wait for this before they look). */
    boolean pending() {
        return views.stream().anyMatch(v -> v.due);
    }

    @Override
    public void handle(long now) {
        frame(now);
    }

    /** One frame at {@code now} (nanoseconds, the pulse's clock): draws the view due longest, if its interval has passed. */
    void frame(long now) {
        View next = null;
        for (View v : views) {
            if (v.due && (v.drawn == Long.MIN_VALUE || now - v.drawn >= v.interval)
                    && (next == null || v.drawn < next.drawn)) {
                next = v;
            }
        }
        if (next != null) {
            next.due = false;
            next.drawn = now;
            next.draw.run();
        }
        if (!pending()) {
            stop();
        }
    }
}
