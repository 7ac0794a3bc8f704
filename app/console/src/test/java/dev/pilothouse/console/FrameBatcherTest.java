package dev.pilothouse.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(ApplicationExtension.class)
class FrameBatcherTest {

    @Test
    void aThrowingHandlerLosesOnlyItsOwnItem() throws Exception {
        List<Integer> seen = new ArrayList<>();
        int[] frames = new int[1];
        FrameBatcher<Integer> batcher = WaitForAsyncUtils.asyncFx(() -> new FrameBatcher<Integer>(i -> {
            if (i == 2) {
                throw new IllegalStateException("handler bug");
            }
            seen.add(i);
        }, () -> frames[0]++)).get();
        for (int i = 1; i <= 4; i++) {
            batcher.add(i);
        }
        WaitForAsyncUtils.asyncFx(batcher::flush).get();
        assertThat(seen).containsExactly(1, 3, 4);
        assertThat(frames[0]).isEqualTo(1);

        // the next frame is delivered as usual, and an empty frame is no frame
        batcher.add(5);
        WaitForAsyncUtils.asyncFx(batcher::flush).get();
        WaitForAsyncUtils.asyncFx(batcher::flush).get();
        assertThat(seen).containsExactly(1, 3, 4, 5);
        assertThat(frames[0]).isEqualTo(2);
    }

    /** A frame timer that ran between events kept JavaFX pulsing 60 times a second in an idle console. */
    @Test
    void theFrameTimerRunsOnlyWhileItemsArriveAndTheNextItemWakesIt() throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        FrameBatcher<Integer> batcher = WaitForAsyncUtils.asyncFx(() -> {
            FrameBatcher<Integer> b = new FrameBatcher<>(seen::add, () -> { });
            b.start();
            return b;
        }).get();
        batcher.add(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> !batcher.ticking());

        batcher.add(2);
        assertThat(batcher.ticking()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(2));

        // stopped by its owner (a log viewer taken off the screen): items wait for the next start
        WaitForAsyncUtils.asyncFx(batcher::stop).get();
        batcher.add(3);
        assertThat(batcher.ticking()).isFalse();
        assertThat(seen).containsExactly(1, 2);
        WaitForAsyncUtils.asyncFx(batcher::start).get();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(3));
        assertThat(seen).containsExactly(1, 2, 3);
    }
}
