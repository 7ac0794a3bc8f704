package dev.pilothouse.console.logs;

import dev.pilothouse.runtime.LogLine;
import javafx.application.Platform;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;

import java.util.List;

/** Stand-in until the log viewer lands (branch log-viewer): a plain list of lines. */
public final class LogViewer extends BorderPane {
    private final ListView<String> lines = new ListView<>();

    public LogViewer() {
        setCenter(lines);
    }

    public void append(List<LogLine> batch) {
        List<String> texts = batch.stream().map(LogLine::text).toList();
        Platform.runLater(() -> lines.getItems().addAll(texts));
    }

    public void clear() {
        lines.getItems().clear();
    }
}
