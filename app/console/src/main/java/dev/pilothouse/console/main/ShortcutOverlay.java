package dev.pilothouse.console.main;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

import java.util.List;

/** The list of keyboard shortcuts (F1 or ?), shown over the window; Esc or a click closes it. */
final class ShortcutOverlay {
    static final List<String[]> KEYS = List.of(
            new String[]{"Ctrl+N", "New session"},
            new String[]{"Ctrl+R", "Remix the selected session"},
            new String[]{"Ctrl+P", "Pause the selected sessions"},
            new String[]{"Ctrl+Shift+P", "Resume the selected sessions"},
            new String[]{"Ctrl+Shift+R", "Retry the selected sessions (ERROR)"},
            new String[]{"Delete", "Delete the selected sessions (asks first)"},
            new String[]{"Shift+Delete", "Purge the volumes of deleted sessions (asks first)"},
            new String[]{"Ctrl+F", "Filter the table"},
            new String[]{"Ctrl+L", "Focus the session table"},
            new String[]{"Ctrl+D", "Show / hide deleted sessions"},
            new String[]{"Ctrl+K", "Choose the context"},
            new String[]{"Ctrl+1 … Ctrl+7", "Overview, State, Conversation, Logs, Events, Files, Metrics"},
            new String[]{"Ctrl+Enter", "Send the message (in the conversation)"},
            new String[]{"Ctrl+Shift+A", "Agent definitions"},
            new String[]{"Ctrl+Shift+B", "Batches"},
            new String[]{"Ctrl+Shift+L", "Light / dark theme"},
            new String[]{"F5", "Reload and reconcile the context"},
            new String[]{"Ctrl+Shift+N", "Notifications: errors and finished work"},
            new String[]{"F1  or  ?", "This list"});

    private ShortcutOverlay() {
    }

    static Node build() {
        GridPane grid = new GridPane();
        grid.setHgap(16);
        grid.setVgap(8);
        int row = 0;
        for (String[] k : KEYS) {
            Label key = new Label(k[0]);
            key.getStyleClass().add("shortcut-key");
            grid.add(key, 0, row);
            grid.add(new Label(k[1]), 1, row++);
        }
        Label title = new Label("Keyboard shortcuts");
        title.getStyleClass().add("title-4");
        Label hint = new Label("Esc or a click closes this");
        hint.getStyleClass().add("muted");
        VBox box = new VBox(14, title, grid, hint);
        box.getStyleClass().add("shortcuts");
        box.setId("shortcut-overlay");
        box.setMaxSize(VBox.USE_PREF_SIZE, VBox.USE_PREF_SIZE);
        box.setAlignment(Pos.TOP_LEFT);
        return box;
    }
}
