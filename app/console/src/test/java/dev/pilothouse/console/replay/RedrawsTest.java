package dev.pilothouse.console.replay;

import javafx.util.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Replay window's views redrawn one a frame, each at most once per interval, on frame times the test chooses. */
@ExtendWith(ApplicationExtension.class)
class RedrawsTest {
    private static final long MS = 1_000_000;

    @Test
    void oneViewAFrameTheLongestWaitingFirstEachAtMostOncePerInterval() throws Exception {
        List<String> drawn = WaitForAsyncUtils.asyncFx(() -> {
            List<String> seen = new ArrayList<>();
            Redraws r = new Redraws();
            r.add(Duration.millis(33), () -> seen.add("timeline"));
            r.add(Duration.millis(33), () -> seen.add("logs"));
            r.add(Duration.millis(100), () -> seen.add("conversation"));
            try {
                r.requestAll();
                r.frame(0);
                r.frame(16 * MS);
                r.frame(32 * MS);
                seen.add(r.pending() ? "pending" : "all drawn");
                // the cursor moves again: the lists are 33 ms old, the conversation waits out its 100 ms
                r.requestAll();
                r.frame(50 * MS);
                r.frame(66 * MS);
                r.frame(82 * MS);
                seen.add(r.pending() ? "pending" : "all drawn");
                r.frame(131 * MS);
                r.frame(132 * MS);
                seen.add(r.pending() ? "pending" : "all drawn");
                r.frame(148 * MS); // nothing due: no drawing
            } finally {
                r.stop();
            }
            return seen;
        }).get();
        assertThat(drawn).containsExactly("timeline", "logs", "conversation", "all drawn",
                "timeline", "logs", "pending", "conversation", "all drawn");
    }

    @Test
    void aRequestDuringTheIntervalIsDrawnWhenItEnds() throws Exception {
        List<String> drawn = WaitForAsyncUtils.asyncFx(() -> {
            List<String> seen = new ArrayList<>();
            Redraws r = new Redraws();
            int[] position = {1};
            r.add(Duration.millis(33), () -> seen.add("at " + position[0]));
            try {
                r.requestAll();
                r.frame(0);
                position[0] = 2;
                r.requestAll();
                r.frame(16 * MS); // too soon
                position[0] = 3; // the cursor moved on before the view's turn came
                r.requestAll();
                r.frame(33 * MS);
                seen.add(r.pending() ? "pending" : "all drawn");
            } finally {
                r.stop();
            }
            return seen;
        }).get();
        assertThat(drawn).containsExactly("at 1", "at 3", "all drawn");
    }
}
