package dev.pilothouse.bench;

import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.stage.Stage;

import java.time.Instant;

/**
 * The floor under the console's "table filled" time: a bare JavaFX window holding one table of
 * 1,000 rows and 12 text columns in AtlantaFX's theme, nothing else (no engine, no store, no
 * toolbar). {@link StartupBenchmark} starts it as the launcher starts the console and reads the
 * instant it prints once the table's first rows are laid out: what JavaFX alone takes on this
 * machine, to set the console's figure against.
 */
public final class TableFloor extends Application {
    static final String SHOWN = "table shown at ";
    private static final int ROWS = 1_000;
    private static final int COLUMNS = 12;

    public static void main(String[] args) {
        launch(args);
    }

    @Override
    public void start(Stage stage) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheetBSS());
        TableView<String[]> table = new TableView<>();
        for (int c = 0; c < COLUMNS; c++) {
            int column = c;
            TableColumn<String[], String> col = new TableColumn<>("Column " + c);
            col.setCellValueFactory(row -> new SimpleStringProperty(row.getValue()[column]));
            table.getColumns().add(col);
        }
        ObservableList<String[]> rows = FXCollections.observableArrayList();
        for (int r = 0; r < ROWS; r++) {
            String[] row = new String[COLUMNS];
            for (int c = 0; c < COLUMNS; c++) {
                row[c] = "s-" + r + "/" + c;
            }
            rows.add(row);
        }
        table.setItems(rows);
        Scene scene = new Scene(new BorderPane(table), 1400, 900);
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            for (Node n : table.lookupAll(".table-row-cell")) {
                if (n instanceof TableRow<?> row && row.getItem() != null) {
                    System.out.println(SHOWN + Instant.now());
                    scene.removePostLayoutPulseListener(check[0]);
                    Platform.exit();
                    return;
                }
            }
        };
        scene.addPostLayoutPulseListener(check[0]);
        stage.setScene(scene);
        stage.show();
    }
}
