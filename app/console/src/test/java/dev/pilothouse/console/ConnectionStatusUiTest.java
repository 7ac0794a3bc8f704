package dev.pilothouse.console;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.kubernetes.FakeCluster;
import dev.pilothouse.runtime.kubernetes.KubernetesRuntimeProvider;
import dev.pilothouse.runtime.local.LocalRuntimeProvider;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status beside the context chooser says why a cluster cannot be used, or cannot be used for
 * everything: a permission missing (named), or an API server that does not answer. Both clusters come from a real kubeconfig file.
 */
class ConnectionStatusUiTest extends ConsoleTestBase {
    private FakeCluster cluster;

    @Override
    protected Supplier<EngineOperations> engineOpener() {
        cluster = new FakeCluster();
        cluster.deny("create pods/portforward");
        Path kubeconfig = dataDir.resolve("kubeconfig.yaml");
        try {
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    current-context: lab
                    clusters:
                    - name: lab
                      cluster: {server: %s}
                    - name: gone
                      cluster: {server: "http://127.0.0.1:1"}
                    users:
                    - name: me
                      user: {token: test-token}
                    contexts:
                    - name: lab
                      context: {cluster: lab, user: me, namespace: agents}
                    - name: offline
                      context: {cluster: gone, user: me}
                    """.formatted(cluster.url()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtimes runtimes = new Runtimes(dataDir, List.of(new LocalRuntimeProvider(),
                new KubernetesRuntimeProvider(() -> List.of(kubeconfig))));
        return () -> Engine.open(EngineConfig.of(dataDir).withBackground(true), runtimes);
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void theStatusNamesTheMissingPermissionOrTheUnreachableServer() {
        awaitReady();
        @SuppressWarnings("unchecked")
        ComboBox<String> chooser = lookup("#context-chooser").queryAs(ComboBox.class);
        assertThat(chooser.getItems()).containsExactly("local", "lab", "offline");
        Label status = lookup("#connection-status").queryAs(Label.class);
        await().until(() -> status.getText().equals("● local runtime"));

        // a permission only some operations need: connected (its sessions show), the missing one named as a warning
        interact(() -> chooser.setValue("lab"));
        await().atMost(Duration.ofSeconds(30)).until(() -> status.getText().contains("limited"));
        assertThat(status.getText()).isEqualTo("● limited access");
        assertThat(status.getTooltip().getText()).startsWith("connected; missing create pods/portforward")
                .contains("Missing: create pods/portforward");
        assertThat(status.getStyleClass()).contains("connection-warn");
        // new sessions go to the context's own namespace unless one is typed: shown greyed, not a fixed "default"
        javafx.scene.control.TextField namespace = lookup("#namespace").queryAs(javafx.scene.control.TextField.class);
        assertThat(namespace.getText()).isEmpty();
        assertThat(namespace.getPromptText()).isEqualTo("agents");
        assertThat(lookup("#welcome-title").queryAs(Label.class).getText()).isEqualTo("No sessions in lab yet");
        snapshot(window.stage().getScene().getRoot(), "connection-missing-permission.png");

        interact(() -> chooser.setValue("offline"));
        await().atMost(Duration.ofSeconds(60)).until(() -> status.getText().startsWith("● unreachable"));
        assertThat(status.getStyleClass()).contains("connection-bad");
        assertThat(lookup("#welcome-title").queryAs(Label.class).getText()).isEqualTo("No sessions in offline yet");
        javafx.scene.Node menu = lookup("#app-menu").query();
        assertThat(menu.getParent() != null && menu.localToScene(menu.getBoundsInLocal()).getMaxX() <= menu.getScene().getWidth())
                .as("a long reason does not push the toolbar's actions into its overflow").isTrue();
        snapshot(window.stage().getScene().getRoot(), "connection-unreachable.png");
    }
}
