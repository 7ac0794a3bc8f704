package dev.pilothouse.console;

import dev.pilothouse.console.main.MainController;
import dev.pilothouse.engine.EngineOperations;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.stage.Stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The console's main window on a stage: built from fxml/main.fxml, placed where it was last
 * time, its engine opened off the FX thread. Used by the application and by its tests alike.
 */
public final class ConsoleWindow {
    private final Stage stage;
    private final MainController controller;
    private final ConsoleSettings settings;
    private volatile EngineOperations engine;
    private boolean closed;

    private ConsoleWindow(Stage stage, MainController controller, ConsoleSettings settings) {
        this.stage = stage;
        this.controller = controller;
        this.settings = settings;
    }

    /** Shows the window at once and opens the engine in the background ({@code openEngine} may take seconds). */
    public static ConsoleWindow show(Stage stage, Path dataDir, Supplier<EngineOperations> openEngine) {
        return show(stage, dataDir, openEngine, folder -> false);
    }

    public static ConsoleWindow show(Stage stage, Path dataDir, Supplier<EngineOperations> openEngine, FolderOpener folders) {
        return show(stage, dataDir, openEngine, folders, FilePicker.platform());
    }

    /** @param files how the window asks for a file to export to or import from (native choosers, or a test's answers) */
    public static ConsoleWindow show(Stage stage, Path dataDir, Supplier<EngineOperations> openEngine, FolderOpener folders,
                                     FilePicker files) {
        return show(stage, dataDir, openEngine, folders, files, null);
    }

    /** @param context the context to show first (the command line's {@code --context}); null: the one shown last time */
    public static ConsoleWindow show(Stage stage, Path dataDir, Supplier<EngineOperations> openEngine, FolderOpener folders,
                                     FilePicker files, String context) {
        ConsoleSettings settings = ConsoleSettings.load(dataDir);
        settings.requestedContext = context;
        Themes.apply(settings.dark);
        FXMLLoader loader = new FXMLLoader(ConsoleWindow.class.getResource("/fxml/main.fxml"));
        Parent root;
        try {
            root = loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the main window", e);
        }
        MainController controller = loader.getController();
        Scene scene = new Scene(root, settings.width, settings.height);
        Themes.style(scene, settings.dark);
        controller.init(settings, dataDir, folders, files);
        controller.installShortcuts(scene);
        stage.setScene(scene);
        stage.setTitle("Pilothouse");
        placeAsLastTime(stage, settings);
        ConsoleWindow window = new ConsoleWindow(stage, controller, settings);
        stage.setOnCloseRequest(e -> window.close());
        stage.show();
        StartupTimes.windowShown();
        Background opener = new Background(n -> {
        });
        opener.run(openEngine, engine -> {
            window.engine = engine;
            controller.engineReady(engine);
            opener.close();
        }, error -> {
            opener.close();
            controller.engineFailed(Console.message("open the data dir " + dataDir, error));
        });
        return window;
    }

    /** The window's icon, place and size as the operator left them (an opening frame's too). */
    static void placeAsLastTime(Stage stage, ConsoleSettings settings) {
        if (stage.getIcons().isEmpty()) {
            stage.getIcons().add(new javafx.scene.image.Image(ConsoleWindow.class.getResource("/icons/pilothouse.png").toExternalForm()));
        }
        if (!Double.isNaN(settings.x) && !Double.isNaN(settings.y)) {
            stage.setX(settings.x);
            stage.setY(settings.y);
        }
        stage.setMaximized(settings.maximized);
    }

    public MainController controller() {
        return controller;
    }

    public Stage stage() {
        return stage;
    }

    public EngineOperations engine() {
        return engine;
    }

    /** Closes the windows this one opened (batches, replay, files…): their timers ask the engine. */
    private void closeOwnedWindows() {
        for (javafx.stage.Window w : java.util.List.copyOf(javafx.stage.Window.getWindows())) {
            if (w != stage && ownedByThis(w)) {
                w.hide();
            }
        }
    }

    private boolean ownedByThis(javafx.stage.Window w) {
        for (javafx.stage.Window owner = owner(w); owner != null; owner = owner(owner)) {
            if (owner == stage) {
                return true;
            }
        }
        return false;
    }

    private static javafx.stage.Window owner(javafx.stage.Window w) {
        return w instanceof Stage s ? s.getOwner() : w instanceof javafx.stage.PopupWindow p ? p.getOwnerWindow() : null;
    }

    /** Remembers the window's layout, stops the UI's work and closes the engine (agents keep running). */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!stage.isMaximized()) {
            settings.x = stage.getX();
            settings.y = stage.getY();
            settings.width = stage.getWidth();
            settings.height = stage.getHeight();
        }
        settings.maximized = stage.isMaximized();
        closeOwnedWindows();
        controller.close();
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }
}
