package dev.pilothouse.console.detail;

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

/** The Events tab: the session's whole audit trail, oldest first, as it grows. */
final class EventsPane extends BorderPane {
    private final ObservableList<AuditEvent> events = FXCollections.observableArrayList();

    EventsPane() {
        TableView<AuditEvent> table = new TableView<>(events);
        table.setId("audit-events");
        table.setPlaceholder(new Label("No events"));
        table.getColumns().add(column("Time", 200, e -> Json.time(e.at())));
        table.getColumns().add(column("Actor", 100, AuditEvent::actor));
        table.getColumns().add(column("Event", 140, e -> e.kind().equals(AuditEvent.TRANSITION)
                ? e.from() + " → " + e.to() : e.kind()));
        table.getColumns().add(column("Reason", 360, e -> e.reason() == null ? "" : e.reason().replace('\n', ' ')));
        table.getColumns().add(column("Detail", 300, e -> e.detail() == null ? "" : e.detail()));
        setCenter(table);
        getStyleClass().add("detail-pane");
    }

    void reset() {
        events.clear();
    }

    void add(List<AuditEvent> loaded) {
        events.addAll(loaded);
    }

    private static TableColumn<AuditEvent, String> column(String title, double width, Function<AuditEvent, String> value) {
        TableColumn<AuditEvent, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        return c;
    }
}
