package dev.pilothouse.console.main;

import dev.pilothouse.console.Background;
import dev.pilothouse.console.FolderOpener;
import dev.pilothouse.engine.BuildInfo;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.stage.Window;
import org.kordamp.ikonli.javafx.FontIcon;
import org.kordamp.ikonli.materialdesign2.MaterialDesignD;
import org.kordamp.ikonli.materialdesign2.MaterialDesignF;
import org.kordamp.ikonli.materialdesign2.MaterialDesignI;
import org.kordamp.ikonli.materialdesign2.MaterialDesignK;

import java.nio.file.Files;
import java.nio.file.Path;

/** The toolbar's menu: importing a session bundle, the log and data folders, the shortcuts, and About (version, paths). */
final class AppMenu {
    private AppMenu() {
    }

    static void fill(MenuButton menu, Path dataDir, FolderOpener opener, Background background, Runnable shortcuts,
                     Runnable importBundle, java.util.function.Consumer<String> error,
                     java.util.function.Consumer<String> info) {
        menu.setGraphic(new FontIcon(MaterialDesignD.DOTS_VERTICAL));
        MenuItem imports = item("Import bundle…", "menu-import", new FontIcon(MaterialDesignI.IMPORT));
        imports.setOnAction(e -> importBundle.run());
        MenuItem logs = item("Open log folder", "menu-logs", new FontIcon(MaterialDesignF.FOLDER_TEXT_OUTLINE));
        logs.setOnAction(e -> open("log folder", BuildInfo.logDir(dataDir), opener, background, error, info));
        MenuItem data = item("Open data folder", "menu-data", new FontIcon(MaterialDesignF.FOLDER_OUTLINE));
        data.setOnAction(e -> open("data folder", dataDir, opener, background, error, info));
        MenuItem keys = item("Keyboard shortcuts (F1)", "menu-shortcuts", new FontIcon(MaterialDesignK.KEYBOARD_OUTLINE));
        keys.setOnAction(e -> shortcuts.run());
        MenuItem about = item("About Pilothouse", "menu-about", new FontIcon(MaterialDesignI.INFORMATION_OUTLINE));
        about.setOnAction(e -> about(menu.getScene().getWindow(), dataDir));
        menu.getItems().setAll(imports, new SeparatorMenuItem(), logs, data, new SeparatorMenuItem(), keys, about);
    }

    private static MenuItem item(String text, String id, FontIcon icon) {
        MenuItem m = new MenuItem(text, icon);
        m.setId(id);
        return m;
    }

    /**
     * Creates the folder first (no log yet on a fresh data dir) and opens it off the FX thread.
     * When nothing on the desktop can open it, says where it is and puts the path on the clipboard.
     */
    static void open(String what, Path folder, FolderOpener opener, Background background,
                     java.util.function.Consumer<String> error, java.util.function.Consumer<String> info) {
        background.run(() -> {
            try {
                Files.createDirectories(folder);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return opener.open(folder);
        }, opened -> {
            if (!opened) {
                javafx.scene.input.ClipboardContent path = new javafx.scene.input.ClipboardContent();
                path.putString(folder.toString());
                javafx.scene.input.Clipboard.getSystemClipboard().setContent(path);
                info.accept("Nothing on this desktop opens folders (no file manager found). The " + what + " is "
                        + folder + " (path copied to the clipboard).");
            }
        }, e -> error.accept("Could not open " + folder + ": " + e.getMessage()));
    }

    static String aboutText(Path dataDir) {
        return "Version " + BuildInfo.version() + "\n"
                + "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")\n"
                + "JavaFX " + System.getProperty("javafx.runtime.version", "?") + "\n"
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch") + "\n\n"
                + "Data: " + dataDir + "\n"
                + "Logs: " + dev.pilothouse.engine.AppLogFiles.current(dataDir).orElse(BuildInfo.logDir(dataDir));
    }

    private static void about(Window owner, Path dataDir) {
        Alert a = new Alert(Alert.AlertType.NONE, "", ButtonType.CLOSE);
        a.initOwner(owner);
        a.setTitle("About Pilothouse");
        a.setHeaderText("Pilothouse " + BuildInfo.version());
        ImageView icon = new ImageView(new Image(AppMenu.class.getResource("/icons/pilothouse.png").toExternalForm()));
        icon.setFitWidth(48);
        icon.setFitHeight(48);
        a.setGraphic(icon);
        Label text = new Label(aboutText(dataDir));
        text.setId("about-text");
        text.setWrapText(true);
        a.getDialogPane().setContent(text);
        a.getDialogPane().setId("about");
        a.show();
    }
}
