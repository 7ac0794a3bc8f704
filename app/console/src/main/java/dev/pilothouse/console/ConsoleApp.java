package dev.pilothouse.console;

import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.ServeAttachment;
import javafx.application.Application;
import javafx.stage.Stage;

import java.nio.file.Path;

/**
 * The desktop application: one {@link ConsoleWindow} on the data dir, whose engine it hosts, timers
 * running; or, when {@code pilothouse serve} owns the data dir, working through serve's REST API.
 */
public final class ConsoleApp extends Application {
    private static Path dataDir;
    private ConsoleWindow window;
    /** The console owns the data dir's engine and serves CLI commands typed beside it. */
    private volatile EngineHost host;

    public static void launch(Path dir) {
        dataDir = dir;
        Application.launch(ConsoleApp.class);
    }

    @Override
    public void start(Stage stage) {
        // SIGTERM or a logout ends the JVM without stop(): close the engine all the same (the store
        // closed cleanly, the endpoint removed, a token made for serve revoked)
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeEngine, "console-shutdown"));
        window = ConsoleWindow.show(stage, dataDir, () -> {
                    try {
                        host = EngineHost.open(EngineConfig.of(dataDir).withBackground(true), EngineHost.Kind.CONSOLE);
                        return host.engine();
                    } catch (DataDirInUseException inUse) {
                        // pilothouse serve owns the data dir: work through its REST API beside it
                        return ServeAttachment.open(dataDir).orElseThrow(() -> inUse);
                    }
                },
                folder -> {
                    if (!FolderOpener.desktopCanOpen(System.getProperty("os.name"), System.getenv())) {
                        return false;
                    }
                    getHostServices().showDocument(folder.toUri().toString());
                    return true;
                });
    }

    @Override
    public void stop() {
        if (window != null) {
            window.close();
        }
        closeEngine();
    }

    private void closeEngine() {
        if (host != null) {
            host.close();
        } else if (window != null && window.engine() != null) {
            window.engine().close();
        }
    }
}
