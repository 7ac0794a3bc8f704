package dev.pilothouse.console.dialogs;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.agent.CommandLineWords;
import dev.pilothouse.console.Console;
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

/** The agent registry (fxml/agents.fxml): browse definitions, register new ones, delete old ones. */
public final class AgentsDialog extends DialogWindow {
    @FXML private TableView<AgentDefinition> table;
    @FXML private TextArea details;
    @FXML private Button delete;
    @FXML private Label listMessage;
    @FXML private TextField name;
    @FXML private TextField command;
    @FXML private TextField image;
    @FXML private TextField model;
    @FXML private TextField port;
    @FXML private TextArea env;
    @FXML private TextArea instructions;
    @FXML private Label formMessage;
    @FXML private Button create;
    @FXML private Button close;

    private final Console console;

    public AgentsDialog(Console console, Window owner, boolean dark) {
        super(owner, "agents.fxml", "Agent definitions", dark);
        this.console = console;
        table.getColumns().add(column("Name", 130, AgentDefinition::name));
        table.getColumns().add(column("Command", 170, a -> String.join(" ", a.command())));
        table.getColumns().add(column("Image", 200, a -> a.image() == null ? "" : a.image()));
        table.getColumns().add(column("Model", 90, a -> a.model() == null ? "" : a.model()));
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            details.setText(b == null ? "" : yaml(b));
            delete.setDisable(b == null);
        });
        delete.setDisable(true);
        delete.setOnAction(e -> deleteSelected());
        create.setOnAction(e -> register());
        close.setOnAction(e -> stage.close());
        reload(null);
    }

    public void show() {
        stage.show();
    }

    private void reload(String select) {
        console.run(() -> console.engine().agents(false), defs -> {
            table.getItems().setAll(defs);
            defs.stream().filter(d -> d.name().equals(select)).findFirst().ifPresent(d -> table.getSelectionModel().select(d));
        }, listMessage::setText);
    }

    private void register() {
        AgentDefinition draft;
        try {
            draft = new AgentDefinition(null, name.getText() == null ? null : name.getText().trim(), blank(image),
                    blank(command) == null ? List.of() : CommandLineWords.split(command.getText()), blank(model),
                    instructions.getText(), env(env.getText()), port(port.getText()), new Resources(null, null, null),
                    null, null, null);
        } catch (InvalidInputException e) {
            formMessage.setText(e.getMessage());
            return;
        }
        create.setDisable(true);
        formMessage.setText("");
        console.run(() -> console.engine().createAgent(draft), created -> {
            create.setDisable(false);
            for (TextField f : List.of(name, command, image, model, port)) {
                f.clear();
            }
            env.clear();
            instructions.clear();
            reload(created.name());
        }, message -> {
            create.setDisable(false);
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

    /** KEY=value lines; blank lines are skipped. */
    static Map<String, String> env(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        if (text == null) {
            return m;
        }
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("environment line " + n + " ('" + line.trim()
                        + "') is not KEY=value; give one variable per line, e.g. LOG_LEVEL=debug");
            }
            m.put(line.substring(0, eq).trim(), line.substring(eq + 1));
        }
        return m;
    }

    static int port(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("port '" + text.trim() + "' is not a number; accepted: 1 to 65535");
        }
    }

    private static String blank(TextField f) {
        return f.getText() == null || f.getText().isBlank() ? null : f.getText().trim();
    }

    private static TableColumn<AgentDefinition, String> column(String title, double width,
                                                               Function<AgentDefinition, String> value) {
        TableColumn<AgentDefinition, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        return c;
    }
}
