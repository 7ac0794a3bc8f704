package dev.pilothouse.console;

import javafx.application.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(ApplicationExtension.class)
class FxTickerTest {

    @Test
    void ticksOnTheFxThreadFromPlayUntilStop() throws Exception {
        List<Boolean> onFxThread = new CopyOnWriteArrayList<>();
        FxTicker ticker = new FxTicker(Duration.ofMillis(20), () -> onFxThread.add(Platform.isFxApplicationThread()));
        assertThat(ticker.playing()).isFalse();
        ticker.play();
        ticker.play(); // once is enough: still one tick a period
        assertThat(ticker.playing()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> onFxThread.size() >= 3);
        WaitForAsyncUtils.asyncFx(ticker::stop).get();
        assertThat(ticker.playing()).isFalse();
        assertThat(onFxThread).containsOnly(true);

        // and it plays again
        int before = onFxThread.size();
        ticker.play();
        await().atMost(Duration.ofSeconds(10)).until(() -> onFxThread.size() > before);
        WaitForAsyncUtils.asyncFx(ticker::stop).get();
    }
}
