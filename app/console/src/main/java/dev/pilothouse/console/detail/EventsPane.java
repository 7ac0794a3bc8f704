package dev.pilothouse.console.detail;

import dev.pilothouse.console.Cells;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;

import java.util.List;
import java.util.function.Function;

/** The Events tab: the session's whole audit trail, oldest first (by when it happened), as it grows. */
final class EventsPane extends BorderPane {
    private final ObservableList<AuditEvent> events = FXCollections.observableArrayList();

    EventsPane() {
        TableView<AuditEvent> table = new TableView<>(events);
        table.setId("audit-events");
        table.setPlaceholder(new Label("No events"));
        table.getColumns().add(Cells.column("Time", 150, e -> Cells.time(e.at()), e -> Cells.timeInFull(e.at())));
        TableColumn<AuditEvent, String> actor = Cells.column("Actor", 80, AuditEvent::actor);
        // its header whole however narrow the pane: the columns share a narrow table by their widths
        actor.setMinWidth(64);
        table.getColumns().add(actor);
        table.getColumns().add(Cells.column("Event", 120, e -> e.kind().equals(AuditEvent.TRANSITION)
                ? e.from() + " → " + e.to() : e.kind()));
        table.getColumns().add(Cells.column("Reason", 260, e -> e.reason() == null ? "" : e.reason().replace('\n', ' '),
                e -> e.reason() == null ? "" : e.reason()));
        table.getColumns().add(Cells.column("Detail", 200, e -> e.detail() == null ? "" : e.detail()));
        // every column in sight: long reasons and details are cut with "…" and whole in the tooltip
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        setCenter(table);
        getStyleClass().add("detail-pane");
    }

    void reset() {
        events.clear();
    }

    /**
     * Adds rows where they belong in time, as {@code sessions events} lists them: a runtime records
     * what it saw at the time it happened (a container's exit at its own finishedAt), after the engine
     * wrote what the exit led to. Rows of the same instant stay in the order written.
     */
    void add(List<AuditEvent> loaded) {
        for (AuditEvent e : loaded) {
            events.add(placeOf(events, e), e);
        }
    }

    /** Where {@code e} goes in rows already in time order: after every row not later than it. */
    static int placeOf(List<AuditEvent> rows, AuditEvent e) {
        int at = rows.size();
        while (at > 0 && e.at() != null && rows.get(at - 1).at() != null && rows.get(at - 1).at().isAfter(e.at())) {
            at--;
        }
        return at;
    }

    private static TableColumn<AuditEvent, String> column(String title, double width, Function<AuditEvent, String> value) {
        TableColumn<AuditEvent, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        return c;
    }
}
