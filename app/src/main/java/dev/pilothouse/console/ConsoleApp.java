package dev.pilothouse.console;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import javafx.application.Application;
import javafx.stage.Stage;

import java.nio.file.Path;

/** The desktop application: one {@link ConsoleWindow} on the data dir, engine timers running. */
public final class ConsoleApp extends Application {
    private static Path dataDir;
    private ConsoleWindow window;

    public static void launch(Path dir) {
        dataDir = dir;
        Application.launch(ConsoleApp.class);
    }

    @Override
    public void start(Stage stage) {
        window = ConsoleWindow.show(stage, dataDir, () -> Engine.open(EngineConfig.of(dataDir).withBackground(true)),
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
    }
}
