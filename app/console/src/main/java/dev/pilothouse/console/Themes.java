package dev.pilothouse.console;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import javafx.application.Application;
import javafx.css.PseudoClass;
import javafx.scene.Scene;

/** Light and dark: AtlantaFX's Primer themes plus the console's own stylesheet from {@code styles/}. */
public final class Themes {
    public static final PseudoClass DARK = PseudoClass.getPseudoClass("dark");
    private static final String CONSOLE_CSS = "/styles/console.css";

    private Themes() {
    }

    public static void apply(boolean dark) {
        Application.setUserAgentStylesheet(dark ? new PrimerDark().getUserAgentStylesheetBSS()
                : new PrimerLight().getUserAgentStylesheetBSS());
    }

    /** Adds the console stylesheet to a scene (dialogs have scenes of their own). */
    public static void style(Scene scene, boolean dark) {
        String css = Themes.class.getResource(CONSOLE_CSS).toExternalForm();
        if (!scene.getStylesheets().contains(css)) {
            scene.getStylesheets().add(css);
        }
        if (scene.getRoot() != null) {
            scene.getRoot().pseudoClassStateChanged(DARK, dark);
        }
    }
}
