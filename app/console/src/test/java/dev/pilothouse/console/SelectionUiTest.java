package dev.pilothouse.console;

import dev.pilothouse.console.main.SessionRow;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.scene.control.Button;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The detail pane, the toolbar and the send box act on exactly the session the table selects,
 * whatever changes the table: delete, purge, filter, sort, multi-select.
 */
class SelectionUiTest extends ConsoleTestBase {

    private void threeSessions() {
        awaitReady();
        for (String n : List.of("alpha", "beta", "gamma")) {
            engine().create(CreateRequest.of(n, "reference"), null);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("alpha", "beta", "gamma").stream()
                .allMatch(n -> shownRow(n) != null && shownRow(n).state() == SessionState.READY));
    }

    @Test
    void deletingTheTopRowFromTheToolbarMovesThePaneWithTheSelection() {
        threeSessions();
        await().untilAsserted(() -> clickRow("alpha"));
        awaitPaneIsSelection("alpha");

        clickOn("#delete");
        confirm("Delete");
        await().atMost(Duration.ofSeconds(15)).until(() -> shownRow("alpha") == null);
        awaitPaneIsSelection(null);
        assertThat(window.controller().detail().shown() == null || !window.controller().detail().shown().name().equals("alpha"))
                .as("the pane no longer shows the deleted session").isTrue();

        // clicking the highlighted row shows it
        await().untilAsserted(() -> clickRow("beta"));
        awaitPaneIsSelection("beta");
        assertThat(this.<TextField>node("#edit-name").getText()).isEqualTo("beta");
    }

    @Test
    void deletingTheTopRowWithTheDeleteKeyMovesThePaneWithTheSelection() {
        threeSessions();
        await().untilAsserted(() -> clickRow("alpha"));
        awaitPaneIsSelection("alpha");
        type(KeyCode.DELETE);
        confirm("Delete");
        await().atMost(Duration.ofSeconds(15)).until(() -> shownRow("alpha") == null);
        awaitPaneIsSelection(null);
    }

    @Test
    void aFilterThatHidesTheSelectedRowTakesThePaneWithIt() {
        threeSessions();
        await().untilAsserted(() -> clickRow("beta"));
        awaitPaneIsSelection("beta");
        clickOn("#filter").write("gam");
        await().until(() -> table().getItems().size() == 1);
        awaitPaneIsSelection(null);
        assertThat(window.controller().detail().shown() == null
                || window.controller().detail().shown().name().equals("gamma")).isTrue();
    }

    @Test
    void multiSelectEmptiesThePaneAndTheToolbarActsOnAllSelected() {
        threeSessions();
        await().untilAsserted(() -> clickRow("alpha"));
        press(KeyCode.SHIFT);
        try {
            clickRow("beta");
        } finally {
            release(KeyCode.SHIFT);
        }
        await().until(() -> table().getSelectionModel().getSelectedItems().size() == 2);
        awaitPaneIsSelection(null);
        assertThat(this.<Button>node("#pause").isDisabled()).isFalse();

        // sorting keeps the selection and the pane in step
        clickOn("Name");
        awaitPaneIsSelection(null);
        assertThat(table().getSelectionModel().getSelectedItems()).extracting(r -> r.session().name())
                .containsExactlyInAnyOrder("alpha", "beta");
    }

    @Test
    void aSessionDeletedElsewhereLeavesThePane() {
        threeSessions();
        await().untilAsserted(() -> clickRow("alpha"));
        awaitPaneIsSelection("alpha");
        engine().delete("alpha");
        await().atMost(Duration.ofSeconds(15)).until(() -> shownRow("alpha") == null);
        awaitPaneIsSelection(null);
    }
}
