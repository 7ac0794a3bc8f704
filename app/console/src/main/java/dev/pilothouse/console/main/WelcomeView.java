package dev.pilothouse.console.main;

import dev.pilothouse.console.Console;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.session.Session;
import javafx.application.Platform;
import javafx.fxml.FXML;
import javafx.fxml.FXMLLoader;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignL;
import org.kordamp.ikonli.materialdesign2.MaterialDesignS;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * What an empty context shows instead of the table: what sessions are, where they run, and one
 * click to a first session with the reference agent (which needs no LLM, so it always works).
 */
final class WelcomeView {
    /** Its first message shows where the workspace is, and that commands run there. */
    static final String FIRST_PROMPT = "$ echo \"Hello from $(pwd)\"";

    @FXML private VBox welcome;
    @FXML private Label title;
    @FXML private Label localTitle;
    @FXML private Label clusterTitle;
    @FXML private Label clusterFound;
    @FXML private Button create;
    @FXML private Hyperlink options;
    @FXML private Hyperlink agents;
    @FXML private Label error;

    WelcomeView(Runnable openCreate, Runnable openAgents) {
        FXMLLoader loader = new FXMLLoader(WelcomeView.class.getResource("/fxml/welcome.fxml"));
        loader.setController(this);
        try {
            loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        localTitle.setGraphic(new FontIcon(MaterialDesignL.LAPTOP));
        clusterTitle.setGraphic(new FontIcon(MaterialDesignS.SERVER_NETWORK));
        options.setOnAction(e -> openCreate.run());
        agents.setOnAction(e -> openAgents.run());
    }

    Node node() {
        return welcome;
    }

    /** Fills in the context the window is on and the clusters found in the kubeconfig. */
    void show(Console console, String context, String namespace, List<String> contexts, Consumer<Session> created) {
        List<String> clusters = contexts.stream().filter(c -> !c.equals(Engine.LOCAL_CONTEXT)).toList();
        boolean local = Engine.LOCAL_CONTEXT.equals(context);
        title.setText(local ? "Welcome to Pilothouse" : "No sessions in " + context + " yet");
        clusterFound.setText(clusters.isEmpty()
                ? "No kubeconfig contexts found: Pilothouse reads $KUBECONFIG, else ~/.kube/config."
                : clusters.size() + " kubeconfig context" + (clusters.size() == 1 ? "" : "s") + " found: "
                + String.join(", ", clusters.subList(0, Math.min(4, clusters.size())))
                + (clusters.size() > 4 ? ", …" : "") + ".");
        error.setText("");
        create.setDisable(false);
        create.setOnAction(e -> {
            create.setDisable(true);
            error.setText("");
            CreateRequest r = new CreateRequest(null, context, namespace, List.of("reference"), FIRST_PROMPT,
                    null, null, null, null);
            // select it as soon as it is stored, so its start-up shows live
            console.run(() -> console.engine().create(r, stored -> Platform.runLater(() -> created.accept(stored)), null),
                    (Engine.Started started) -> create.setDisable(false), message -> {
                create.setDisable(false);
                error.setText(message);
            });
        });
    }
}
