package dev.pilothouse.console;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.host.ApiEngine;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.ServeAttachment;
import dev.pilothouse.server.ApiServer;
import dev.pilothouse.server.ServerOptions;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.SessionState;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console opened on a data dir that {@code pilothouse serve} owns: it works through serve's
 * REST API (its own token, revoked on close), shows what serve's engine does as it happens, and
 * its actions are done by serve's engine in the console's name.
 */
class ServeBesideUiTest extends ConsoleTestBase {
    private EngineHost serve;
    private ApiServer api;

    @Override
    protected Supplier<EngineOperations> engineOpener() {
        return () -> {
            serve = EngineHost.open(EngineConfig.of(dataDir).withBackground(true), () -> new Runtimes(dataDir),
                    EngineHost.Kind.SERVE, Duration.ZERO);
            api = ApiServer.start(serve.engine(), ServerOptions.listen("127.0.0.1:0"));
            try {
                serve.publishApi(api.url());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return ServeAttachment.open(dataDir).orElseThrow();
        };
    }

    private Engine serveEngine() {
        return serve.engine();
    }

    private String consoleToken() {
        return "console-" + ProcessHandle.current().pid();
    }

    @AfterEach
    void stopServe() {
        if (window != null) {
            interact(() -> window.close());
        }
        if (serve != null) {
            assertThat(serveEngine().tokens().list(true)).filteredOn(t -> t.name().equals(consoleToken()))
                    .as("the console's token is revoked when it closes").singleElement()
                    .satisfies(t -> assertThat(t.revokedAt()).isNotNull());
            api.close();
            serve.close();
        }
    }

    @Test
    void whatServeDoesShowsAndWhatTheConsoleDoesIsDoneByServeInItsName() {
        awaitReady();
        assertThat(window.engine()).isInstanceOf(ApiEngine.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> window.controller().messages().stream()
                .anyMatch(m -> m.contains("Working through pilothouse serve at " + api.url())));

        // made by serve (a script's request): the row comes through the watch and follows it
        serveEngine().create(CreateRequest.of("made-by-serve", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("made-by-serve") != null
                && shownRow("made-by-serve").state() == SessionState.READY);
        serveEngine().pause("made-by-serve");
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("made-by-serve").state() == SessionState.IDLE);

        // sent from the console: serve resumes the session and stores the exchange; the reply shows here
        await().untilAsserted(() -> clickRow("made-by-serve"));
        awaitPaneIsSelection("made-by-serve");
        press(KeyCode.CONTROL).press(KeyCode.DIGIT3).release(KeyCode.DIGIT3).release(KeyCode.CONTROL);
        clickOn("#message-input").write("$ echo beside serve");
        clickOn("#send");
        await().atMost(Duration.ofSeconds(30)).until(() -> serveEngine().messages("made-by-serve", 0, null, 100).stream()
                .anyMatch(m -> m.role() == Message.Role.AGENT && m.content().contains("beside serve")));
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup(n -> n instanceof javafx.scene.control.Labeled l
                && l.getText() != null && l.getText().contains("beside serve") && !l.getText().startsWith("$")).tryQuery().isPresent());

        assertThat(serveEngine().events("made-by-serve", 0, 1000)).filteredOn(e -> e.to() == SessionState.BUSY)
                .extracting(AuditEvent::actor).last().isEqualTo(consoleToken());
        assertThat(lookup("#status-text").queryAs(javafx.scene.control.Label.class).getText())
                .isEqualTo("Context local · through pilothouse serve at " + api.url());

        // the toolbar's pause is serve's, in the console's name
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("made-by-serve").state() == SessionState.READY);
        clickOn("#pause");
        await().atMost(Duration.ofSeconds(30)).until(() -> serveEngine().session("made-by-serve").state() == SessionState.IDLE);
        assertThat(serveEngine().events("made-by-serve", 0, 1000)).filteredOn(e -> e.to() == SessionState.IDLE)
                .extracting(AuditEvent::actor).last().isEqualTo(consoleToken());
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("made-by-serve").state() == SessionState.IDLE);
    }

    @Test
    void aBundleIsExportedAndImportedThroughServe(@org.junit.jupiter.api.io.TempDir java.nio.file.Path local)
            throws IOException {
        awaitReady();
        serveEngine().create(CreateRequest.of("served", "reference"), null);
        serveEngine().send("served", null, "$ echo kept > kept.txt && echo done", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("served") != null
                && shownRow("served").state() == SessionState.READY);
        await().untilAsserted(() -> clickRow("served"));
        awaitPaneIsSelection("served");
        javafx.scene.control.ContextMenu menu = onFx(() -> table().getContextMenu());
        interact(() -> menu.show(window.stage()));
        interact(() -> {
            menu.getItems().stream().filter(i -> "menu-export".equals(i.getId())).findFirst().orElseThrow().fire();
            menu.hide();
        });
        java.nio.file.Path bundle = local.resolve("served.bundle.tar.gz");
        saveAsAnswer.set(bundle);
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup("#export-choose").tryQuery().isPresent());
        clickOn("#export-choose").clickOn("#export-workspace").clickOn("#do-export");
        await().atMost(Duration.ofSeconds(30)).until(() -> lookup("#export-file").tryQuery().isEmpty());
        assertThat(bundle).isRegularFile();

        openAnswer.set(bundle);
        clickOn("#app-menu").clickOn("Import bundle…");
        await().atMost(Duration.ofSeconds(10)).until(() -> lookup("#import-choose").tryQuery().isPresent());
        clickOn("#import-choose").clickOn("#import-name").write("served-copy").clickOn("#do-import");
        await().atMost(Duration.ofSeconds(60)).until(() -> selected() != null && selected().name().equals("served-copy"));
        assertThat(serveEngine().workspaces().text("served-copy", "kept.txt", 0, 100).text()).isEqualTo("kept\n");
        assertThat(serveEngine().messages("served-copy", 0, null, 100)).extracting(Message::content)
                .anyMatch(c -> c.contains("done"));
        assertThat(serveEngine().session("served-copy").createdBy()).isEqualTo(consoleToken());
    }

    @Test
    void aRefusalComesBackInServesWords() {
        awaitReady();
        serveEngine().create(CreateRequest.of("taken", "reference"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("taken") != null);
        EngineOperations remote = window.engine();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> remote.create(CreateRequest.of("taken", "reference"), null, null))
                .isInstanceOf(dev.pilothouse.errors.DuplicateException.class).hasMessageContaining("taken");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> remote.session("no-such"))
                .isInstanceOf(dev.pilothouse.errors.NotFoundException.class).hasMessageContaining("no session 'no-such'");
    }
}
