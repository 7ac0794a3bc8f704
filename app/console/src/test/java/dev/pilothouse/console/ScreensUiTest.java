package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.ToggleButton;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every tab of the main window at 1400×880 and 1920×1080, light and dark, as PNGs in
 * target/snapshots/screens (to look at); and no label or cell there is cut short ("…") without
 * a tooltip holding all of its text.
 */
class ScreensUiTest extends ConsoleTestBase {

    @Test
    void everyTabAtBothSizesAndThemes() throws Exception {
        awaitReady();
        engine().create(CreateRequest.of("q4-analysis", "reference").withMetadata("{\"project\":\"q4\",\"owner\":\"data-team\"}")
                .withPrompt("$ mkdir -p data && echo region,sales > data/q4.csv && ls -la data"), null);
        engine().remix("q4-analysis", RemixRequest.inherit().named("q4-viz"), null);
        engine().create(CreateRequest.of("scratch", "reference"), null);
        engine().delete("scratch");
        engine().send("q4-analysis", null, "$ echo 'a longer reply that goes on' && seq 1 12", null);
        engine().pause("q4-viz");
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("q4-viz") != null && shownRow("q4-viz").state() == SessionState.IDLE
                && shownRow("q4-analysis").state() == SessionState.READY);
        interact(() -> window.controller().select(shownRow("q4-analysis").id()));
        awaitPaneIsSelection("q4-analysis");
        for (int[] size : new int[][]{{1400, 880}, {1920, 1080}}) {
            interact(() -> {
                window.stage().setWidth(size[0]);
                window.stage().setHeight(size[1]);
            });
            for (boolean dark : new boolean[]{false, true}) {
                interact(() -> lookup("#theme-toggle").queryAs(ToggleButton.class).setSelected(dark));
                for (int tab = 0; tab < 5; tab++) {
                    int t = tab;
                    interact(() -> window.controller().detail().selectTab(t));
                    org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
                    String name = "screens/" + size[0] + "-" + (dark ? "dark" : "light") + "-tab" + tab + ".png";
                    snapshot(window.stage().getScene().getRoot(), name);
                    if (size[0] == 1400) {
                        assertThat(onFx(() -> Clipping.cutWithoutTooltip(window.stage().getScene().getRoot())))
                                .as("cut text without a tooltip, tab %d", tab).isEmpty();
                    }
                }
            }
        }
    }
}
