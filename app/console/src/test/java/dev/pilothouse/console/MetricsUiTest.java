package dev.pilothouse.console;

import dev.pilothouse.console.main.SessionRow;
import dev.pilothouse.console.metrics.Sparkline;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.session.SessionState;
import javafx.scene.Node;
import javafx.scene.chart.LineChart;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.ToggleButton;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Metrics tab and the table's CPU and memory columns of the real console, on a real session
 * whose agent process the console's engine samples every 5 s (docs/metrics.md).
 */
class MetricsUiTest extends ConsoleTestBase {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @Test
    void aRunningSessionsMemoryShowsInTheTableWithASparklineAndInTheMetricsTabsCharts() {
        awaitReady();
        engine().create(CreateRequest.of("measured", "reference"), null);
        engine().send("measured", null, "$ echo hi", null);
        await().atMost(WAIT).until(() -> shownRow("measured") != null && shownRow("measured").state() == SessionState.READY);

        // the table: the console polls readings every 5 s; two polls draw a line
        await().atMost(WAIT).until(() -> onFx(() -> usageCell("Memory").getText()).endsWith("MiB"));
        // CPU, a rate, needs a second reading; until then the cell says one is being taken
        assertThat(onFx(() -> usageCell("CPU").getText())).matches("…|\\d+(\\.\\d)?%");
        await().atMost(WAIT).until(() -> onFx(() -> usageCell("CPU").getText()).endsWith("%"));
        await().atMost(WAIT).until(() -> onFx(() -> ((Sparkline) usageCell("Memory").getGraphic()).points().size()) >= 4);
        assertThat(onFx(() -> usageCell("CPU").getGraphic())).isInstanceOf(Sparkline.class);

        // the tab
        clickRow("measured");
        press(KeyCode.CONTROL).press(KeyCode.DIGIT7).release(KeyCode.DIGIT7).release(KeyCode.CONTROL);
        await().atMost(WAIT).until(() -> onFx(() -> this.<Label>node("#metrics-memory").getText()).endsWith("MiB"));
        assertThat(onFx(() -> this.<Label>node("#metrics-replies").getText())).isEqualTo("1");
        assertThat(onFx(() -> this.<Label>node("#metrics-latency").getText())).matches("p50 \\d+(\\.\\d)? m?s · p95 \\d+(\\.\\d)? m?s");
        assertThat(onFx(() -> this.<Label>node("#metrics-workspace").getText())).containsPattern("B in 1 file$");
        LineChart<?, ?> memory = node("#metrics-memory-chart");
        await().atMost(WAIT).until(() -> onFx(() -> memory.getData().get(0).getData().size()) >= 1);
        // each chart in the unit that fits what it shows: tens of MiB of memory, a workspace of a few bytes
        assertThat(onFx(memory::getTitle)).isEqualTo("Memory (MiB): mean, peak dashed");
        assertThat(onFx(() -> this.<LineChart<?, ?>>node("#metrics-workspace-chart").getTitle())).isEqualTo("Workspace (bytes)");
        SessionMetrics shown = onFx(() -> window.controller().detail().metrics().shown());
        assertThat(shown.name()).isEqualTo("measured");
        assertThat(shown.resolution().label()).isEqualTo("10s");

        // a wider range is read at a coarser resolution
        clickOn("#metrics-range-24h");
        await().atMost(WAIT).until(() -> onFx(() -> window.controller().detail().metrics().shown().resolution().label()).equals("1m"));
        assertThat(onFx(() -> this.<ToggleButton>node("#metrics-range-24h").isSelected())).isTrue();
        // the session's first minute is drawn: its point sits at the start of that minute, inside the axis
        await().atMost(WAIT).until(() -> onFx(() -> memory.getData().get(0).getData().size()) >= 1);
        double firstPoint = onFx(() -> ((Number) memory.getData().get(0).getData().get(0).getXValue()).doubleValue());
        assertThat(onFx(() -> ((javafx.scene.chart.NumberAxis) memory.getXAxis()).getLowerBound())).isLessThanOrEqualTo(firstPoint);
        snapshot(window.stage().getScene().getRoot(), "metrics-tab.png");

        // paused: no figures, and the tab says why
        engine().pause("measured");
        await().atMost(WAIT).until(() -> onFx(() -> this.<Label>node("#metrics-note").getText()).startsWith("not running: IDLE"));
        await().atMost(WAIT).until(() -> onFx(() -> usageCell("Memory").getText()).isEmpty());
    }

    /** The table cell of {@code column} in the row of the session "measured". */
    @SuppressWarnings("unchecked")
    private TableCell<SessionRow, ?> usageCell(String column) {
        Set<Node> cells = table().lookupAll(".usage-cell");
        for (Node n : cells) {
            TableCell<SessionRow, ?> c = (TableCell<SessionRow, ?>) n;
            if (c.getTableColumn() != null && c.getTableColumn().getText().equals(column) && c.getTableRow() != null
                    && c.getTableRow().getItem() != null && c.getTableRow().getItem().session().name().equals("measured")) {
                return c;
            }
        }
        throw new AssertionError("no " + column + " cell for 'measured' among " + List.copyOf(cells).size());
    }
}
