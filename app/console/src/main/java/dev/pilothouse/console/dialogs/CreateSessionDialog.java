package dev.pilothouse.console.dialogs;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.console.Console;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.TemplateUse;
import dev.pilothouse.session.Session;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.TemplateParser;
import javafx.application.Platform;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * New session (fxml/create-session.fxml), from scratch or from a template with its parameters, and
 * with guardrails. Every field is checked as it is typed; once the session is stored the dialog
 * closes and the new session is selected, while its agents start.
 */
public final class CreateSessionDialog extends DialogWindow {
    @FXML private Label where;
    @FXML private TextField name;
    @FXML private Label nameMessage;
    @FXML private VBox templateBox;
    @FXML private SessionFields fieldsController;
    @FXML private VBox guardrailBox;
    @FXML private Label error;
    @FXML private ProgressBar progress;
    @FXML private Label progressText;
    @FXML private Button cancel;
    @FXML private Button create;

    private final Console console;
    private final TemplatePicker templates = new TemplatePicker();
    private final GuardrailFields guardrails = new GuardrailFields();
    private List<String> agentNames = List.of();
    private final String context;
    private final String namespace;
    private Consumer<Session> onCreated = s -> {
    };

    public CreateSessionDialog(Console console, Window owner, boolean dark, String context, String namespace) {
        super(owner, "create-session.fxml", "New session", dark);
        this.console = console;
        this.context = context;
        this.namespace = namespace == null || namespace.isBlank() ? null : namespace.trim();
        where.setText("In context " + context + (this.namespace == null ? "" : ", namespace " + this.namespace));
        name.textProperty().addListener((o, a, b) -> validate());
        fieldsController.onChange(this::validate);
        cancel.setOnAction(e -> stage.close());
        create.setOnAction(e -> submit());
        templateBox.getChildren().add(templates.node());
        guardrailBox.getChildren().add(guardrails.node());
        templates.onChoice(this::templateChosen);
        templates.onChange(this::validate);
        guardrails.onChange(this::validate);
        console.run("list the agents", () -> console.engine().agents(false), defs -> {
            agentNames = defs.stream().map(AgentDefinition::name).toList();
            fieldsController.setAgents(agentNames, defaultAgents());
        });
        console.run("list the templates", () -> console.engine().templates(), templates::setTemplates);
    }

    private List<String> defaultAgents() {
        return agentNames.contains("reference") ? List.of("reference") : List.of();
    }

    /** A template fills the fields with its values; none gives them back to the operator, empty. */
    private void templateChosen() {
        TemplatePicker.Chosen c = templates.chosen();
        if (c == null) {
            fieldsController.clearTemplate(agentNames, defaultAgents());
            guardrails.set(List.of());
        } else {
            SessionTemplate t = c.template();
            List<String> offered = new ArrayList<>(agentNames);
            t.agentNames().stream().filter(a -> !offered.contains(a)).forEach(offered::add);
            fieldsController.fromTemplate(offered, t.agentNames(), t.waitingTimeoutSeconds(), t.ttlSeconds(), t.resources());
            guardrails.set(t.guardrails());
        }
        validate();
        // the parameters' rows come and go: the window follows, so no field is squeezed
        if (stage.isShowing()) {
            stage.sizeToScene();
        }
    }

    /** Tests and keyboard users: the dialog's template chooser and guardrail fields. */
    public void chooseTemplate(String name) {
        templates.choose(name);
    }

    public void setParameter(String name, String value) {
        templates.setValue(name, value);
    }

    public void show(Consumer<Session> onCreated) {
        this.onCreated = onCreated;
        stage.show();
        name.requestFocus();
    }

    public SessionFields fields() {
        return fieldsController;
    }

    private boolean validate() {
        String n = name.getText() == null ? "" : name.getText().trim();
        String problem = n.isEmpty() ? null : nameProblem(console, n, context);
        nameMessage.setText(problem == null ? "" : problem);
        boolean ok = problem == null && guardrails.valid();
        if (templates.chosen() != null) {
            TemplateParser.Resolved r = templates.resolved();
            fieldsController.showFromTemplate(r == null ? templates.chosen().template().startingPrompt() : r.startingPrompt(),
                    r == null ? templates.chosen().template().metadata() : r.metadata());
            ok &= r != null;
        } else {
            templates.resolved();
        }
        ok &= fieldsController.validProperty().get();
        create.setDisable(!ok);
        return ok;
    }

    private void submit() {
        SessionFields.Values v = fieldsController.validate();
        if (!validate() || v == null) {
            return;
        }
        String n = name.getText() == null || name.getText().isBlank() ? null : name.getText().trim();
        List<String> specs = guardrails.specs();
        TemplatePicker.Chosen chosen = templates.chosen();
        // from a template: its agents, prompt and metadata; the rest as shown here, over the template's
        TemplateUse use = chosen == null ? null
                : new TemplateUse(chosen.stored().name(), chosen.stored().version(), templates.values());
        CreateRequest r = chosen == null
                ? new CreateRequest(n, context, namespace, v.agents(), v.prompt(), v.waitingSeconds(), v.ttlSeconds(),
                v.metadata(), v.resources(), specs)
                : new CreateRequest(n, context, namespace, null, null, v.waitingSeconds(), v.ttlSeconds(), null,
                v.resources(), specs);
        create.setDisable(true);
        error.setText("");
        progress.setVisible(true);
        progress.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
        progressText.setText("Creating…");
        dev.pilothouse.console.WorkMonitor.Job job = console.startWork("Start " + (n == null ? "a new session" : n));
        Consumer<Session> stored = created -> Platform.runLater(() -> {
            // stored: the rest (starting agents, the first message) goes on in the background
            job.progress(-1, "Starting the agents of " + created.name() + "…");
            stage.close();
            onCreated.accept(created);
        });
        console.run(() -> use == null ? console.engine().create(r, stored, null)
                : console.engine().createFromTemplate(use, r, stored, null), started -> {
            if (started.failed()) {
                job.failed("failed");
            } else {
                job.done();
                console.notifier().info("Session " + started.session().name() + " is " + started.session().state() + ".");
            }
            if (started.failed()) {
                console.notifier().error(started.session().state() == dev.pilothouse.session.SessionState.ERROR
                        ? "Session '" + started.session().name() + "' failed to start: " + started.session().terminationReason()
                        : "The reply to the starting prompt of '" + started.session().name() + "' failed: "
                        + started.firstReply().reply().error());
            }
        }, message -> {
            job.failed(message);
            if (stage.isShowing()) {
                progress.setVisible(false);
                progressText.setText("");
                error.setText(message);
                create.setDisable(false);
            } else {
                console.notifier().error(message);
            }
        });
    }
}
