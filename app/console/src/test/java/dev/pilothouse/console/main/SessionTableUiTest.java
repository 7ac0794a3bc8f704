package dev.pilothouse.console.main;

import dev.pilothouse.console.ConsoleTestBase;
import dev.pilothouse.engine.CreateRequest;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.Tooltip;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The session table's text cells: the whole text in a tooltip when, and only when, the column cuts it. */
class SessionTableUiTest extends ConsoleTestBase {
    private static final String LONG = "quarterly-revenue-analysis-for-the-north-east-region";

    @Test
    void aCutNameHasItsWholeTextInATooltipAndAWholeOneHasNone() {
        awaitReady();
        engine().create(CreateRequest.of(LONG, "reference"), null);
        engine().create(CreateRequest.of("q4", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow(LONG) != null && shownRow("q4") != null);

        interact(() -> nameColumn().setPrefWidth(120));
        await().untilAsserted(() -> {
            assertThat(tooltipOf(LONG)).as("the cut name's tooltip").contains(LONG);
            assertThat(tooltipOf("q4")).as("a name shown whole").isEmpty();
        });

        interact(() -> nameColumn().setPrefWidth(600));
        await().untilAsserted(() -> assertThat(tooltipOf(LONG)).as("the name is whole now").isEmpty());
    }

    @Test
    void rowsHaveOneFixedHeightThatHoldsEveryCellWhole() {
        awaitReady();
        engine().create(CreateRequest.of("fits", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("fits") != null);

        await().untilAsserted(() -> onFx(() -> {
            // fixed: the table lays out its rows without asking each for its height (styles/console.css)
            double fixed = table().getFixedCellSize();
            assertThat(fixed).as("the table's fixed row height").isGreaterThan(0);
            javafx.scene.control.TableRow<?> row = table().lookupAll(".table-row-cell").stream()
                    .map(n -> (javafx.scene.control.TableRow<?>) n)
                    .filter(r -> !r.isEmpty() && r.getItem() instanceof SessionRow s && s.session().name().equals("fits"))
                    .findFirst().orElseThrow(() -> new AssertionError("no row drawn for 'fits'"));
            assertThat(row.getHeight()).as("row height").isEqualTo(fixed);
            // every cell's content (badge, text, sparkline) whole inside it: it keeps its own height
            for (javafx.scene.Node cell : row.lookupAll(".table-cell")) {
                for (javafx.scene.Node n : ((javafx.scene.Parent) cell).getChildrenUnmodifiable()) {
                    if (!n.isVisible()) {
                        continue;
                    }
                    javafx.geometry.Bounds b = row.sceneToLocal(n.localToScene(n.getLayoutBounds()));
                    double own = n.prefHeight(-1);
                    assertThat(b.getMinY()).as("top of %s in its row", n).isGreaterThanOrEqualTo(0);
                    assertThat(b.getMaxY()).as("bottom of %s in its row", n).isLessThanOrEqualTo(fixed);
                    assertThat(b.getHeight()).as("height of %s, of its own %s", n, own).isGreaterThanOrEqualTo(Math.floor(own));
                }
            }
            return null;
        }));
    }

    private TableColumn<?, ?> nameColumn() {
        return table().getColumns().stream().filter(c -> c.getText().equals("Name")).findFirst().orElseThrow();
    }

    /** The tooltip's text on the Name cell showing {@code name}, empty when it has none. */
    private Optional<String> tooltipOf(String name) {
        return onFx(() -> {
            TableCell<?, ?> cell = table().lookupAll(".table-cell").stream()
                    .filter(n -> n instanceof TableCell<?, ?> c && name.equals(c.getText()) && c.isVisible())
                    .map(n -> (TableCell<?, ?>) n).findFirst()
                    .orElseThrow(() -> new AssertionError("no cell shows '" + name + "'"));
            Tooltip t = cell.getTooltip();
            return Optional.ofNullable(t).map(Tooltip::getText);
        });
    }
}
