package dev.pilothouse.console.detail;

import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import javafx.css.PseudoClass;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import dev.pilothouse.console.Cells;

import java.util.List;
import java.util.function.Function;

/**
 * The State tab: the live diagram with the runtime phase beside it, and the session's
 * transitions, newest first, with reason, actor and time.
 */
final class StatePane extends VBox implements DetailView {
    private static final PseudoClass FAILED = PseudoClass.getPseudoClass("failed");
    private final StateDiagram diagram = new StateDiagram();
    private final Label phase = new Label();
    private final Label reason = new Label();
    private final ObservableList<AuditEvent> transitions = FXCollections.observableArrayList();

    StatePane() {
        getStyleClass().add("detail-pane");
        setSpacing(10);
        phase.getStyleClass().add("phase-badge");
        phase.setId("phase-badge");
        reason.getStyleClass().add("muted");
        reason.setWrapText(true);
        Label phaseTitle = new Label("Runtime phase");
        phaseTitle.getStyleClass().add("section-title");
        phaseTitle.setMinWidth(Region.USE_PREF_SIZE);
        phase.setMinWidth(Region.USE_PREF_SIZE);
        HBox side = new HBox(10, phaseTitle, phase, reason);
        side.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(reason, Priority.ALWAYS);
        reason.setMaxWidth(Double.MAX_VALUE);
        // the diagram keeps its drawing and shrinks to the tab's width (never clipped)
        javafx.scene.Group scaled = new javafx.scene.Group(diagram);
        StackPane holder = new StackPane(scaled);
        holder.setAlignment(Pos.TOP_LEFT);
        holder.setMinWidth(0);
        javafx.beans.binding.DoubleBinding scale = javafx.beans.binding.Bindings.createDoubleBinding(
                () -> Math.max(0.4, Math.min(1.0, holder.getWidth() / (StateDiagram.WIDTH + 2))), holder.widthProperty());
        diagram.scaleXProperty().bind(scale);
        diagram.scaleYProperty().bind(scale);
        VBox top = new VBox(8, side, holder);
        Label timelineTitle = new Label("Transitions");
        timelineTitle.getStyleClass().add("section-title");
        TableView<AuditEvent> table = new TableView<>(transitions);
        table.setId("transitions");
        table.setPlaceholder(new Label("No transitions yet"));
        table.getColumns().add(Cells.column("Time", 150, e -> Cells.time(e.at()), e -> Cells.timeInFull(e.at())));
        table.getColumns().add(Cells.column("Transition", 130, e -> e.from() + " → " + e.to()));
        table.getColumns().add(Cells.column("Actor", 80, AuditEvent::actor));
        table.getColumns().add(Cells.column("Reason", 300, e -> e.reason() == null ? "" : e.reason().replace('\n', ' '),
                e -> e.reason() == null ? "" : e.reason()));
        table.getColumns().forEach(c -> c.setSortable(false));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        VBox.setVgrow(table, Priority.ALWAYS);
        setPadding(new Insets(12));
        getChildren().addAll(top, timelineTitle, table);
    }

    StateDiagram diagram() {
        return diagram;
    }

    @Override
    public void show(Session s, Session previous) {
        diagram.show(s.state(), previous != null ? previous.state() : null);
        phase.setText(s.phase().name());
        phase.pseudoClassStateChanged(FAILED, s.phase() == Phase.FAILED);
        String why = s.terminationReason() == null ? "" : s.terminationReason();
        reason.setText(why);
        // one line beside the phase; all of it (exit, last log lines) on hover
        if (why.isEmpty()) {
            reason.setTooltip(null);
        } else {
            Tooltip tip = new Tooltip(why);
            tip.setWrapText(true);
            tip.setMaxWidth(640);
            reason.setTooltip(tip);
        }
    }

    /** A different session is shown: its trail will arrive through {@link #add}. */
    void reset() {
        transitions.clear();
    }

    /**
     * Adds newly loaded audit events. When they are the first of a newly shown session, the
     * arrow of its last transition is marked (without animation: it happened before).
     */
    void add(Session s, List<AuditEvent> events, boolean first) {
        events.stream().filter(e -> e.kind().equals(AuditEvent.TRANSITION)).forEach(e -> transitions.add(0, e));
        if (first && !transitions.isEmpty()) {
            AuditEvent last = transitions.get(0);
            diagram.show(s.state(), last.to() == s.state() ? last.from() : null);
        }
    }

    private static TableColumn<AuditEvent, String> column(String title, double width, Function<AuditEvent, String> value) {
        TableColumn<AuditEvent, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        c.setSortable(false);
        return c;
    }
}
