package dev.pilothouse.console;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.session.Session;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.Scene;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.stage.Stage;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * A minimal console until the full one lands: a live list of the local sessions, fed by the
 * engine's events, never blocking the FX thread on I/O.
 */
public final class ConsoleApp extends Application {
    private static Path dataDir;
    private Engine engine;

    public static void launch(Path dir) {
        dataDir = dir;
        Application.launch(ConsoleApp.class);
    }

    @Override
    public void start(Stage stage) {
        ObservableList<Session> rows = FXCollections.observableArrayList();
        TableView<Session> table = new TableView<>(rows);
        table.getColumns().add(column("Name", Session::name));
        table.getColumns().add(column("State", s -> s.state().name()));
        table.getColumns().add(column("Phase", s -> s.phase().name()));
        table.getColumns().add(column("Agents", s -> String.join(", ", s.agents().stream().map(a -> a.name()).toList())));
        stage.setTitle("Pilothouse — " + dataDir);
        stage.setScene(new Scene(table, 900, 500));
        stage.show();
        Thread loader = new Thread(() -> {
            engine = Engine.open(EngineConfig.of(dataDir).withBackground(true));
            engine.subscribe(e -> {
                if (e instanceof EngineEvent.SessionChanged c) {
                    Platform.runLater(() -> replace(rows, c.session()));
                }
            });
            var sessions = engine.sessions(false);
            Platform.runLater(() -> rows.setAll(sessions));
        }, "console-start");
        loader.setDaemon(true);
        loader.start();
    }

    private static void replace(ObservableList<Session> rows, Session s) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).id().equals(s.id())) {
                if (s.deleted()) {
                    rows.remove(i);
                } else if (rows.get(i).version() < s.version()) {
                    rows.set(i, s);
                }
                return;
            }
        }
        if (!s.deleted()) {
            rows.add(s);
        }
    }

    private static TableColumn<Session, String> column(String title, Function<Session, String> value) {
        TableColumn<Session, String> c = new TableColumn<>(title);
        c.setCellValueFactory(f -> new ReadOnlyStringWrapper(value.apply(f.getValue())));
        c.setPrefWidth(200);
        return c;
    }

    @Override
    public void stop() {
        if (engine != null) {
            engine.close();
        }
    }
}
