package dev.pilothouse.console.detail;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.console.Console;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Overview's agents: each with a remove button, and "Add agent…" offering the registered
 * agents the session does not have. A change goes through the engine's update, which on a READY
 * session restarts the agents on the same volume; until it answers the controls wait. The remove
 * button of a session's last agent is disabled, and its tooltip says why (a tooltip on a disabled
 * control never shows, so it sits on the button's holder).
 */
final class AgentsSection extends VBox {
    static final String LAST_AGENT = "A session needs at least one agent: add another before removing this one";

    private final Console console;
    private final GridPane rows = new GridPane();
    private final MenuButton add = new MenuButton("Add agent…");
    private final StackPane addHolder = new StackPane(add);
    private final Label hint = new Label();
    private final Label status = new Label();
    private Session shown;
    /** A change this pane asked for and the engine has not answered yet. */
    private boolean changing;
    /** The registered agents last read, to offer; null until read. */
    private List<AgentDefinition> registered;

    AgentsSection(Console console) {
        super(6);
        this.console = console;
        setId("agents-section");
        rows.setHgap(12);
        rows.setVgap(4);
        // the same name column as the facts above, so the buttons line up with their values
        rows.getColumnConstraints().addAll(new ColumnConstraints(150), new ColumnConstraints());
        add.setId("add-agent");
        add.getStyleClass().add("small");
        // the registered agents are read again whenever the choice opens: one may have been made meanwhile
        add.setOnShowing(e -> loadRegistered());
        hint.getStyleClass().add("muted");
        hint.setWrapText(true);
        hint.setId("agents-hint");
        status.setId("agents-status");
        status.setWrapText(true);
        // empty lines take no room
        for (Label l : List.of(hint, status)) {
            l.managedProperty().bind(l.textProperty().isNotEmpty());
            l.visibleProperty().bind(l.textProperty().isNotEmpty());
        }
        HBox actions = new HBox(8, addHolder);
        actions.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(rows, actions, hint, status);
    }

    void show(Session s) {
        boolean other = shown == null || !shown.id().equals(s.id());
        shown = s;
        if (other) {
            changing = false;
            status.setText("");
            status.getStyleClass().remove("inline-error");
        }
        rows.getChildren().clear();
        String refusal = refusal(s);
        for (int i = 0; i < s.agents().size(); i++) {
            SessionAgent a = s.agents().get(i);
            Label name = new Label(a.name() + (a.model() != null ? " (" + a.model() + ")" : ""));
            name.getStyleClass().add("field-value");
            name.setId("agent-" + a.name());
            HBox named = new HBox(6, name);
            named.setAlignment(Pos.CENTER_LEFT);
            if (i == 0 && s.agents().size() > 1) {
                // the lead takes the starting prompt and messages that name no agent
                Label lead = new Label("lead");
                lead.getStyleClass().add("muted");
                named.getChildren().add(lead);
            }
            Button remove = new Button("Remove");
            remove.getStyleClass().add("small");
            remove.setId("remove-agent-" + a.name());
            remove.setOnAction(e -> change(UpdateRequest.agents(List.of(), List.of(a.name())),
                    "Removing '" + a.name() + "'"));
            String why = s.agents().size() == 1 ? LAST_AGENT : refusal;
            remove.setDisable(why != null || changing);
            StackPane holder = new StackPane(remove);
            holder.setId("remove-holder-" + a.name());
            Tooltip.install(holder, new Tooltip(why != null ? why : "Remove '" + a.name() + "' from this session"
                    + (s.state() == SessionState.READY ? ": its agents restart without it" : "")));
            holder.setMaxWidth(Region.USE_PREF_SIZE);
            rows.addRow(i, named, holder);
        }
        add.setDisable(refusal != null || changing || s.deleted());
        Tooltip.install(addHolder, new Tooltip(refusal != null ? refusal : "Add a registered agent to this session"));
        hint.setText(switch (s.state()) {
            case READY -> "Adding or removing an agent restarts the session's agents on the same volume "
                    + "(READY → IDLE → READY); the workspace and conversation are kept.";
            case IDLE -> "Paused: a change is stored, and the agents start with it when the session resumes.";
            case ERROR -> "In ERROR: a change is stored, and Retry starts the session with it.";
            default -> "";
        });
        if (registered == null || other) {
            loadRegistered();
        } else {
            offer();
        }
    }

    /** Why the agents cannot change now, in the engine's terms; null when they can. */
    private static String refusal(Session s) {
        if (s.deleted()) {
            return "A deleted session cannot be changed";
        }
        if (s.completed()) {
            return "The session is completed: remix it to continue its work";
        }
        return switch (s.state()) {
            case INIT -> "The session is still starting: wait until it is READY";
            case BUSY -> "The session is BUSY: wait for the reply";
            case IDLE -> s.owner() != null ? "The session is being resumed: wait until it is READY" : null;
            default -> null;
        };
    }

    private void loadRegistered() {
        console.poll(() -> console.engine().agents(false), agents -> {
            registered = agents;
            offer();
        });
    }

    /** Fills the choice with the registered agents the shown session does not have. */
    private void offer() {
        if (shown == null || registered == null) {
            return;
        }
        Set<String> has = shown.agents().stream().map(SessionAgent::name).collect(Collectors.toSet());
        List<MenuItem> items = registered.stream().map(AgentDefinition::name).filter(n -> !has.contains(n)).sorted()
                .map(n -> {
                    MenuItem item = new MenuItem(n);
                    item.setId("add-agent-" + n);
                    item.setOnAction(e -> change(UpdateRequest.agents(List.of(n), List.of()), "Adding '" + n + "'"));
                    return item;
                }).toList();
        if (items.isEmpty()) {
            MenuItem none = new MenuItem("Every registered agent is in this session");
            none.setDisable(true);
            add.getItems().setAll(none);
        } else {
            add.getItems().setAll(items);
        }
    }

    private void change(UpdateRequest u, String doing) {
        Session base = shown;
        changing = true;
        status.getStyleClass().remove("inline-error");
        status.setText(doing + (base.state() == SessionState.READY ? ": restarting the agents…" : "…"));
        show(base);
        console.run(() -> console.engine().update(base.id(), u, null), updated -> {
            changing = false;
            boolean failed = base.state() == SessionState.READY && updated.state() == SessionState.ERROR;
            status.setText(failed ? "The agents changed, but the session did not start with them: "
                    + updated.terminationReason() : "");
            if (failed) {
                status.getStyleClass().add("inline-error");
            }
            console.sessions().apply(List.of(updated));
            if (shown != null && shown.id().equals(updated.id())) {
                show(updated.version() >= shown.version() ? updated : shown);
            }
        }, message -> {
            changing = false;
            status.setText(message);
            status.getStyleClass().add("inline-error");
            if (shown != null) {
                show(shown);
            }
        });
    }
}
