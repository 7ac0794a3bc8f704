package dev.pilothouse.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
}
