package dev.pilothouse.console.main;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.console.model.SelectionModel;
import dev.pilothouse.json.Json;
import dev.pilothouse.console.metrics.Sparkline;
import dev.pilothouse.console.metrics.UsageHistory;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableSet;
import javafx.collections.SetChangeListener;
import javafx.css.PseudoClass;
import javafx.scene.control.Label;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;

import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The live session table: its columns, its sorting, and the text, state and show-deleted filters.
 * Columns that count time (age, idle countdown, TTL left) follow a clock ticked once a second.
 */
public final class SessionTable {
    private static final PseudoClass DELETED = PseudoClass.getPseudoClass("deleted");

    private final TableView<SessionRow> table;
    private final SessionListModel model;
    private final SessionView shown;
    private final ObjectProperty<Instant> now = new SimpleObjectProperty<>(Instant.now());
    private final StringProperty text = new SimpleStringProperty("");
    private final ObservableSet<SessionState> states = FXCollections.observableSet(EnumSet.noneOf(SessionState.class));
    private final BooleanProperty showDeleted = new SimpleBooleanProperty(false);
    private final UsageHistory usage;

    public SessionTable(TableView<SessionRow> table, SessionListModel model, UsageHistory usage) {
        this.table = table;
        this.model = model;
        this.usage = usage;
        this.shown = new SessionView(model.rows());
        shown.setPredicate(predicate());
        table.setItems(shown);
        table.setSortPolicy(t -> {
            shown.setComparator(order());
            return true;
        });
        table.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        table.setTableMenuButtonVisible(true);
        table.setColumnResizePolicy(TableView.UNCONSTRAINED_RESIZE_POLICY);
        table.setRowFactory(t -> new TableRow<>() {
            @Override
            protected void updateItem(SessionRow r, boolean empty) {
                super.updateItem(r, empty);
                pseudoClassStateChanged(DELETED, !empty && r != null && r.session().deleted());
            }
        });
        addColumns();
        text.addListener((o, a, b) -> refilter());
        states.addListener((SetChangeListener<SessionState>) c -> refilter());
        showDeleted.addListener((o, a, b) -> refilter());
    }

    public TableView<SessionRow> view() {
        return table;
    }

    public StringProperty textFilter() {
        return text;
    }

    public ObservableSet<SessionState> stateFilter() {
        return states;
    }

    public BooleanProperty showDeleted() {
        return showDeleted;
    }

    /** Moves the clock the time columns count from (once a second). */
    public void tick(Instant t) {
        now.set(t);
    }

    public int shown() {
        return shown.size();
    }

    private void refilter() {
        shown.setPredicate(predicate());
    }

    /** The sort order chosen in the header, on sessions directly (not through cell values). */
    private Comparator<SessionRow> order() {
        Comparator<SessionRow> c = null;
        for (TableColumn<SessionRow, ?> col : table.getSortOrder()) {
            @SuppressWarnings("unchecked")
            Comparator<Session> byColumn = (Comparator<Session>) col.getComparator();
            Comparator<SessionRow> one = Comparator.comparing(SessionRow::session, byColumn);
            if (col.getSortType() == TableColumn.SortType.DESCENDING) {
                one = one.reversed();
            }
            c = c == null ? one : c.thenComparing(one);
        }
        return c;
    }

    private Predicate<SessionRow> predicate() {
        String q = text.get() == null ? "" : text.get().trim().toLowerCase(Locale.ROOT);
        boolean deleted = showDeleted.get();
        EnumSet<SessionState> wanted = states.isEmpty() ? EnumSet.allOf(SessionState.class) : EnumSet.copyOf(states);
        return r -> {
            Session s = r.session();
            return (deleted || !s.deleted()) && wanted.contains(s.state()) && (q.isEmpty() || matches(s, q));
        };
    }

    private static boolean matches(Session s, String q) {
        if (s.name().contains(q) || s.id().startsWith(q) || s.phase().name().toLowerCase(Locale.ROOT).contains(q)) {
            return true;
        }
        for (SessionAgent a : s.agents()) {
            if (a.name().contains(q)) {
                return true;
            }
        }
        return s.metadata().length() > 2 && s.metadata().toLowerCase(Locale.ROOT).contains(q);
    }

    private void addColumns() {
        TableColumn<SessionRow, Session> name = column("Name", 180, (s, t) -> s.name(),
                Comparator.comparing(Session::name));
        TableColumn<SessionRow, Session> state = new TableColumn<>("State");
        state.setPrefWidth(90);
        state.setCellValueFactory(f -> f.getValue().sessionProperty());
        state.setComparator(Comparator.comparing(Session::state));
        state.setCellFactory(c -> new TableCell<SessionRow, Session>() {
            private final Label badge = new Label();

            @Override
            protected void updateItem(Session s, boolean empty) {
                super.updateItem(s, empty);
                if (empty || s == null) {
                    setGraphic(null);
                    return;
                }
                badge.setText(SelectionModel.badge(s));
                badge.getStyleClass().setAll("state-badge", SelectionModel.badgeStyle(s));
                badge.setTooltip(s.deleted() ? new javafx.scene.control.Tooltip("Deleted " + dev.pilothouse.json.Json.time(s.deletedAt())
                        + (s.purged() ? ", volume purged" : ", volume kept (purge removes it)") + "; last state " + s.state()) : null);
                setGraphic(badge);
            }
        });
        table.getColumns().add(name);
        table.getColumns().add(state);
        // a session waiting for its scheduled start says when, rather than look stuck in INIT
        table.getColumns().add(column("Phase", 110, (s, t) -> s.pendingStart() && s.scheduledAt().isAfter(t)
                ? "starts in " + Durations.until(s.scheduledAt(), t) : s.phase().name(), Comparator.comparing(Session::phase)));
        table.getColumns().add(column("Agents", 150, (s, t) -> String.join(", ", s.agents().stream().map(SessionAgent::name).toList()),
                Comparator.comparing(s -> s.agents().isEmpty() ? "" : s.agents().get(0).name())));
        table.getColumns().add(usageColumn("CPU", UsageHistory::cpu, Current::cpu, Units::percent, 0.05));
        table.getColumns().add(usageColumn("Memory", UsageHistory::memory, c -> c.memory() == null ? null : c.memory().doubleValue(),
                v -> Units.bytes(v == null ? null : v.longValue()), 64.0 * 1024 * 1024));
        table.getColumns().add(column("Age", 80, (s, t) -> Durations.since(s.createdAt(), t),
                Comparator.comparing(Session::createdAt).reversed()));
        table.getColumns().add(column("Last activity", 124, (s, t) -> Durations.since(s.lastActivityAt(), t) + " ago",
                Comparator.comparing(Session::lastActivityAt).reversed()));
        table.getColumns().add(column("Idle in", 80, (s, t) -> Durations.until(s.idleDeadline(), t),
                Comparator.comparing(s -> s.idleDeadline() == null ? Instant.MAX : s.idleDeadline())));
        table.getColumns().add(column("TTL left", 80, (s, t) -> s.completed() ? "completed" : Durations.until(s.ttlDeadline(), t),
                Comparator.comparing(s -> s.ttlDeadline() == null ? Instant.MAX : s.ttlDeadline())));
        table.getColumns().add(column("Parent", 120, (s, t) -> model.name(s.parentSessionId()),
                Comparator.comparing(s -> model.name(s.parentSessionId()))));
        table.getColumns().add(column("Tags", 220, (s, t) -> tags(s.metadata()), Comparator.comparing(Session::metadata)));
        table.getSortOrder().add(name);
    }

    private TableColumn<SessionRow, Session> column(String title, double width, BiFunction<Session, Instant, String> text,
                                                 Comparator<Session> order) {
        TableColumn<SessionRow, Session> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> f.getValue().sessionProperty());
        c.setComparator(order);
        boolean ticking = TICKING.contains(title);
        c.setCellFactory(col -> {
            TableCell<SessionRow, Session> cell = new TableCell<>() {
                private Tooltip tip;
                private javafx.scene.text.Text drawn;

                @Override
                protected void updateItem(Session s, boolean empty) {
                    super.updateItem(s, empty);
                    setText(empty || s == null ? null : text.apply(s, now.get()));
                }

                /**
                 * A narrow column cuts the text with "…": the cell then gets a tooltip with all of it.
                 * Only then: a tooltip for every cell was a sixth of the table's first drawing.
                 */
                @Override
                protected void layoutChildren() {
                    super.layoutChildren();
                    if (ticking) {
                        return;
                    }
                    if (drawn == null && lookup(".text") instanceof javafx.scene.text.Text t) {
                        drawn = t;
                    }
                    String full = getText();
                    if (full != null && !full.isEmpty() && drawn != null && !full.equals(drawn.getText())) {
                        if (tip == null) {
                            tip = new Tooltip();
                        }
                        tip.setText(full);
                        if (getTooltip() != tip) {
                            setTooltip(tip);
                        }
                    } else if (getTooltip() != null) {
                        setTooltip(null);
                    }
                }
            };
            if (ticking) {
                // time columns re-render their own text each second, without rebuilding the table
                now.addListener(new javafx.beans.value.WeakChangeListener<>(tick(cell, text)));
            }
            return cell;
        });
        return c;
    }

    /**
     * A column of the session's recent CPU or memory: its current figure and a sparkline of the last
     * two minutes, redrawn when a poll brings new readings; sorted by the current figure.
     */
    private TableColumn<SessionRow, Session> usageColumn(String title, BiFunction<UsageHistory, String, double[]> ring,
                                                         Function<Current, Double> now, Function<Double, String> text,
                                                         double floor) {
        TableColumn<SessionRow, Session> c = new TableColumn<>(title);
        c.setId("column-" + title.toLowerCase(Locale.ROOT));
        c.setPrefWidth(title.equals("CPU") ? 118 : 150);
        c.setCellValueFactory(f -> f.getValue().sessionProperty());
        c.setComparator(Comparator.comparing(s -> figure(s.id(), now), Comparator.nullsFirst(Comparator.naturalOrder())));
        c.setCellFactory(col -> {
            Sparkline spark = new Sparkline();
            TableCell<SessionRow, Session> cell = new TableCell<>() {
                @Override
                protected void updateItem(Session s, boolean empty) {
                    super.updateItem(s, empty);
                    render(this, spark, empty ? null : s);
                }

                private void render(TableCell<SessionRow, Session> cell, Sparkline line, Session s) {
                    if (s == null) {
                        cell.setText(null);
                        cell.setGraphic(null);
                        return;
                    }
                    Current c = usage.latest(s.id());
                    Double v = c == null ? null : now.apply(c);
                    // a rate (CPU) needs two readings: the first shows that one is being taken
                    boolean pending = v == null && c != null && c.at() != null && c.unavailable() == null;
                    cell.setText(v != null ? text.apply(v) : pending ? "…" : "");
                    String why = pending ? title + " is measured between two readings, 5 s apart"
                            : c != null && c.unavailable() != null ? c.unavailable() : null;
                    if (why == null) {
                        cell.setTooltip(null);
                    } else if (cell.getTooltip() == null || !why.equals(cell.getTooltip().getText())) {
                        cell.setTooltip(new Tooltip(why));
                    }
                    line.set(ring.apply(usage, s.id()), floor);
                    cell.setGraphic(line);
                }

                {
                    setContentDisplay(javafx.scene.control.ContentDisplay.RIGHT);
                    getStyleClass().add("usage-cell");
                    // kept by the cell, so the weak listener lives exactly as long as the cell
                    javafx.beans.value.ChangeListener<Number> redraw = (o, a, b) -> render(this, spark, isEmpty() ? null : getItem());
                    getProperties().put("usage", redraw);
                    usage.version().addListener(new javafx.beans.value.WeakChangeListener<>(redraw));
                }
            };
            return cell;
        });
        return c;
    }

    private Double figure(String id, Function<Current, Double> now) {
        Current c = usage.latest(id);
        return c == null ? null : now.apply(c);
    }

    private static final java.util.Set<String> TICKING = java.util.Set.of("Age", "Last activity", "Idle in", "TTL left");

    /** Kept by the cell itself, so the weak listener lives exactly as long as the cell. */
    private static javafx.beans.value.ChangeListener<Instant> tick(TableCell<SessionRow, Session> cell,
                                                                   BiFunction<Session, Instant, String> text) {
        javafx.beans.value.ChangeListener<Instant> l = (o, a, t) -> {
            Session s = cell.getItem();
            if (s != null && !cell.isEmpty()) {
                cell.setText(text.apply(s, t));
            }
        };
        cell.getProperties().put("tick", l);
        return l;
    }

    /** Metadata as compact tags: project=q4 · priority=high. */
    static String tags(String metadata) {
        if (metadata == null || metadata.length() <= 2) {
            return "";
        }
        JsonNode n = Json.parse(metadata);
        StringBuilder b = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (b.length() > 0) {
                b.append(" · ");
            }
            b.append(e.getKey()).append('=').append(e.getValue().isTextual() ? e.getValue().asText() : Json.compact(e.getValue()));
        }
        return b.toString();
    }
}
