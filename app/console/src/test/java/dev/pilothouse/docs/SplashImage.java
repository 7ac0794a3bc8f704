package dev.pilothouse.docs;

import dev.pilothouse.console.OpeningFrame;
import dev.pilothouse.console.Snapshots;
import dev.pilothouse.console.Themes;
import dev.pilothouse.testing.FxHeadless;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

import java.nio.file.Path;

/**
 * The launcher's splash, packaging/launcher/splash.png: the opening frame's content in the light
 * theme, drawn by the console headless, so that the window that follows it looks the same. Run with
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.docs.SplashImage -Dbench=packaging/launcher/splash.png</pre>
 */
public final class SplashImage {
    private SplashImage() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "packaging/launcher/splash.png").toAbsolutePath();
        FxHeadless.start(480, 180);
        VBox content = FxHeadless.fx(() -> {
            Themes.apply(false);
            VBox box = OpeningFrame.content("Opening …");
            // the splash has no window frame of its own: a border sets it off the desktop
            box.setStyle("-fx-border-color: -color-border-default; -fx-border-width: 1;");
            Scene scene = new Scene(box, 480, 180);
            Themes.style(scene, false);
            Stage stage = new Stage();
            stage.setScene(scene);
            stage.show();
            return box;
        });
        FxHeadless.awaitPulses(3);
        FxHeadless.fx(() -> Snapshots.write(content, out));
        System.out.println("splash: " + out);
        Platform.exit();
    }
}
