package dev.pilothouse.console;

import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.ServeAttachment;
import javafx.application.Application;
import javafx.stage.Stage;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The desktop application: one {@link ConsoleWindow} on the data dir, whose engine it hosts, timers
 * running; or, when {@code pilothouse serve} owns the data dir, working through serve's REST API.
 *
 * <p>The engine starts opening as the process starts, beside the toolkit's start and the window's
 * construction (each most of a second on a cold JVM): the sessions show that much sooner
 * (docs/performance.md, "Start-up").
 */
public final class ConsoleApp extends Application {
    private static Path dataDir;
    private static String requestedContext;
    private static CompletableFuture<EngineOperations> opening;
    /** The console owns the data dir's engine and serves CLI commands typed beside it. */
    private static volatile EngineHost host;
    private ConsoleWindow window;
    /**
     * JavaFX's controls log "index exceeds maxCellCount" at INFO whenever a list scrolled to its end
     * is padded with empty rows (JDK-8140504: an item's index compared with the viewport's height in
     * pixels): harmless, and it filled the terminal while the Replay window's logs followed the
     * scrubber. Their warnings still show. Held here, as java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger CONTROLS_LOG = java.util.logging.Logger.getLogger("javafx.scene.control");

    /** Only warnings and errors from JavaFX's controls (see {@link #CONTROLS_LOG}). */
    static void quietControls() {
        CONTROLS_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    public static void launch(Path dir) {
        launch(dir, null);
    }

    /** @param context the context to show first ({@code pilothouse --context lab}); null: the one shown last time */
    public static void launch(Path dir, String context) {
        dataDir = dir;
        requestedContext = context;
        quietControls();
        // set up beside the start what the first frames need and nothing else touches before them:
        // logging, and JSON (the table's Tags column parses metadata; Jackson's set-up on the FX thread
        // was a tenth of the table's first drawing)
        Thread warm = new Thread(() -> {
            LoggerFactory.getILoggerFactory();
            dev.pilothouse.json.Json.compact(dev.pilothouse.json.Json.parse("{\"warm\":1}"));
        }, "warm-up");
        warm.setDaemon(true);
        warm.start();
        opening = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                opening.complete(open(dir));
            } catch (RuntimeException | Error e) {
                opening.completeExceptionally(e);
            }
        }, "engine-open");
        t.setDaemon(true);
        t.start();
        Application.launch(ConsoleApp.class);
    }

    private static EngineOperations open(Path dir) {
        try {
            host = EngineHost.open(EngineConfig.of(dir).withBackground(true), EngineHost.Kind.CONSOLE);
            return host.engine();
        } catch (DataDirInUseException inUse) {
            // pilothouse serve owns the data dir: work through its REST API beside it
            return ServeAttachment.open(dir).orElseThrow(() -> inUse);
        }
    }

    @Override
    public void start(Stage stage) {
        // SIGTERM or a logout ends the JVM without stop(): close the engine all the same (the store
        // closed cleanly, the endpoint removed, a token made for serve revoked)
        Runtime.getRuntime().addShutdownHook(new Thread(ConsoleApp::closeEngine, "console-shutdown"));
        OpeningFrame.show(stage, ConsoleSettings.load(dataDir), dataDir, () -> showWindow(stage));
    }

    private void showWindow(Stage stage) {
        window = ConsoleWindow.show(stage, dataDir, ConsoleApp::awaitEngine,
                folder -> {
                    if (!FolderOpener.desktopCanOpen(System.getProperty("os.name"), System.getenv())) {
                        return false;
                    }
                    getHostServices().showDocument(folder.toUri().toString());
                    return true;
                }, FilePicker.platform(), requestedContext);
    }

    /** The engine being opened since the start, as the window's background opener waits for it. */
    private static EngineOperations awaitEngine() {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    @Override
    public void stop() {
        if (window != null) {
            window.close();
        }
        closeEngine();
    }

    /** Closes the engine, now or (if it is still opening) as soon as it is open. */
    private static void closeEngine() {
        opening.whenComplete((engine, error) -> {
            if (host != null) {
                host.close();
            } else if (engine != null) {
                engine.close();
            }
        });
    }
}
