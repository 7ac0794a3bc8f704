package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.testing.TestRuntimes;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A context that is slow to open ("slow", held by the test) is chosen, then "local" at once: the
 * window ends on local, with local's rows, whatever order the two switches finish in.
 */
class RapidContextSwitchUiTest extends ConsoleTestBase {
    private final CountDownLatch slowOpens = new CountDownLatch(1);
    private final CountDownLatch slowAsked = new CountDownLatch(1);

    @Override
    protected Supplier<EngineOperations> engineOpener() {
        Runtimes two = TestRuntimes.withContext(dataDir, "slow", () -> {
            slowAsked.countDown();
            try {
                slowOpens.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new LocalRuntime("slow", dataDir.resolve("slow-sessions"), 2000);
        });
        return () -> Engine.open(EngineConfig.of(dataDir).withBackground(true), two);
    }

    @AfterEach
    void release() {
        slowOpens.countDown();
    }

    @Test
    void theLastContextChosenIsTheOneShown() throws Exception {
        awaitReady();
        engine().create(CreateRequest.of("here", "reference"), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> shownRow("here") != null);

        @SuppressWarnings("unchecked")
        ComboBox<String> chooser = lookup("#context-chooser").queryAs(ComboBox.class);
        interact(() -> chooser.setValue("slow"));
        assertThat(slowAsked.await(30, TimeUnit.SECONDS)).isTrue();
        interact(() -> chooser.setValue("local"));
        // local would be back by now if it did not wait; then the slow context finishes opening
        slowOpens.countDown();

        Label status = lookup("#status-text").queryAs(Label.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine().context().equals("slow")
                || status.getText().equals("Context local") && !lookup("#busy").query().isVisible());
        await().atMost(Duration.ofSeconds(30)).until(() -> !lookup("#busy").query().isVisible());
        assertThat(chooser.getValue()).isEqualTo("local");
        assertThat(status.getText()).isEqualTo("Context local");
        assertThat(engine().context()).as("new sessions go where the chooser says").isEqualTo("local");
        assertThat(shownRow("here")).as("local's rows").isNotNull();
        assertThat(table().getItems()).allMatch(r -> r.session().context().equals("local"));
    }
}
