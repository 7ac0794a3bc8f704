package dev.pilothouse.console.dialogs;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.agent.CommandLineWords;
import dev.pilothouse.console.Console;
import dev.pilothouse.console.model.AgentForm;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.fxml.FXML;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.stage.Window;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The agent registry (fxml/agents.fxml): browse definitions, register new ones, edit and delete
 * them. The form is checked as it is typed ({@link AgentForm}): every problem under its field at
 * once, and the button enabled only when there is none.
 */
public final class AgentsDialog extends DialogWindow {
    @FXML private TableView<AgentDefinition> table;
    @FXML private TextArea details;
    @FXML private Button delete;
    @FXML private Label listMessage;
    @FXML private Label formTitle;
    @FXML private Button newAgent;
    @FXML private TextField name;
    @FXML private Label nameMessage;
    @FXML private TextField command;
    @FXML private Label commandMessage;
    @FXML private TextField image;
    @FXML private Label imageMessage;
    @FXML private TextField model;
    @FXML private TextField port;
    @FXML private Label portMessage;
    @FXML private TextArea env;
    @FXML private Label envMessage;
    @FXML private TextArea instructions;
    @FXML private Label instructionsMessage;
    @FXML private Label formMessage;
    @FXML private Button create;
    @FXML private Button close;

    private final Console console;
    /** The definition being edited, or null for a new one. */
    private AgentDefinition editing;
    private boolean filling;

    public AgentsDialog(Console console, Window owner, boolean dark) {
        super(owner, "agents.fxml", "Agent definitions", dark);
        this.console = console;
        table.getColumns().add(column("Name", 130, AgentDefinition::name));
        table.getColumns().add(column("Command", 170, a -> String.join(" ", a.command())));
        table.getColumns().add(column("Image", 200, a -> a.image() == null ? "" : a.image()));
        table.getColumns().add(column("Model", 90, a -> a.model() == null ? "" : a.model()));
        table.setPlaceholder(new Label("Loading the agents…"));
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            details.setText(b == null ? "" : yaml(b));
            delete.setDisable(b == null);
            edit(b);
        });
        delete.setDisable(true);
        delete.setOnAction(e -> deleteSelected());
        newAgent.setOnAction(e -> table.getSelectionModel().clearSelection());
        create.setOnAction(e -> submit());
        close.setOnAction(e -> stage.close());
        for (TextField f : List.of(name, command, image, model, port)) {
            f.textProperty().addListener((o, a, b) -> check());
        }
        env.textProperty().addListener((o, a, b) -> check());
        instructions.textProperty().addListener((o, a, b) -> check());
        edit(null);
        reload(null);
    }

    public void show() {
        stage.show();
    }

    private void reload(String select) {
        console.run(() -> console.engine().agents(false), defs -> {
            table.setPlaceholder(new Label("No agents registered"));
            table.getItems().setAll(defs);
            defs.stream().filter(d -> d.name().equals(select)).findFirst().ifPresent(d -> table.getSelectionModel().select(d));
            check();
        }, listMessage::setText);
    }

    /** Fills the form with a definition to edit, or empties it for a new one. */
    private void edit(AgentDefinition a) {
        editing = a;
        AgentForm.Input in = a == null ? new AgentForm.Input("", "", "", "", "", "", "") : AgentForm.of(a);
        filling = true;
        name.setText(in.name());
        command.setText(in.command());
        image.setText(in.image());
        model.setText(in.model());
        port.setText(in.port());
        env.setText(in.env());
        instructions.setText(in.instructions());
        filling = false;
        formTitle.setText(a == null ? "New agent" : "Edit agent '" + a.name() + "'");
        create.setText(a == null ? "Register agent" : "Save changes");
        formMessage.setText(a == null ? "" : "Sessions that have this agent keep their copy; new sessions get the edit.");
        formMessage.getStyleClass().setAll("label", a == null ? "inline-error" : "muted");
        check();
    }

    private AgentForm.Input input() {
        return new AgentForm.Input(name.getText(), command.getText(), image.getText(), model.getText(), port.getText(),
                env.getText(), instructions.getText());
    }

    /** Checks every field and shows every problem under its field. */
    private AgentForm.Result check() {
        List<String> taken = table.getItems().stream().map(AgentDefinition::name).toList();
        AgentForm.Result r = AgentForm.check(input(), taken, editing == null ? null : editing.name());
        // an untouched new form says nothing yet; it only waits for a name and a command
        boolean blank = editing == null && input().equals(new AgentForm.Input("", "", "", "", "", "", ""));
        Map<String, Label> labels = Map.of(AgentForm.NAME, nameMessage, AgentForm.COMMAND, commandMessage,
                AgentForm.IMAGE, imageMessage, AgentForm.PORT, portMessage, AgentForm.ENV, envMessage,
                AgentForm.INSTRUCTIONS, instructionsMessage);
        labels.forEach((field, label) -> {
            String problem = blank ? "" : r.problems().getOrDefault(field, "");
            label.setText(problem);
            label.setManaged(!problem.isEmpty());
            label.setTooltip(problem.isEmpty() ? null : new javafx.scene.control.Tooltip(problem));
        });
        create.setDisable(!r.ok() || filling);
        return r;
    }

    private void submit() {
        AgentForm.Result r = check();
        if (!r.ok()) {
            return;
        }
        AgentDefinition draft = r.draft();
        AgentDefinition was = editing;
        create.setDisable(true);
        formMessage.getStyleClass().setAll("label", "inline-error");
        formMessage.setText("");
        console.run(() -> was == null ? console.engine().createAgent(draft) : console.engine().updateAgent(was.name(), draft),
                stored -> {
                    formMessage.getStyleClass().setAll("label", "muted");
                    formMessage.setText((was == null ? "Registered " : "Saved ") + stored.name() + ".");
                    reload(stored.name());
                }, message -> {
                    create.setDisable(false);
                    formMessage.getStyleClass().setAll("label", "inline-error");
                    formMessage.setText(message);
                });
    }

    private void deleteSelected() {
        AgentDefinition a = table.getSelectionModel().getSelectedItem();
        if (a == null) {
            return;
        }
        ButtonType go = new ButtonType("Delete", ButtonBar.ButtonData.OK_DONE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, "Delete the definition '" + a.name()
                + "'? New sessions cannot use it; sessions that have it keep their copy.", go, ButtonType.CANCEL);
        alert.setHeaderText("Delete agent '" + a.name() + "'?");
        alert.initOwner(stage);
        if (alert.showAndWait().filter(go::equals).isPresent()) {
            console.run(() -> console.engine().deleteAgent(a.name()), d -> reload(null), listMessage::setText);
        }
    }

    private static String yaml(AgentDefinition a) {
        try {
            return Json.YAML.writeValueAsString(AgentJson.toJson(a));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return a.toString();
        }
    }

    private static TableColumn<AgentDefinition, String> column(String title, double width,
                                                               Function<AgentDefinition, String> value) {
        TableColumn<AgentDefinition, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        return c;
    }
}
