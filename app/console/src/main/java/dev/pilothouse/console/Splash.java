package dev.pilothouse.console;

/**
 * The launcher's splash ({@code java -splash:lib/splash.png}): the JVM draws it before any class
 * loads, a fifth of a second after the launch, where the toolkit takes most of two seconds to draw
 * the opening frame (docs/performance.md, "Start-up"). A JavaFX window does not close it as an AWT
 * window would, so the opening frame closes it once mapped.
 */
final class Splash {
    /** Set by the launchers that show the splash; without it nothing of AWT is loaded. */
    static final String PROPERTY = "pilothouse.splash";

    private Splash() {
    }

    static void close() {
        if (!Boolean.getBoolean(PROPERTY)) {
            return;
        }
        try {
            java.awt.SplashScreen splash = java.awt.SplashScreen.getSplashScreen();
            if (splash != null) {
                splash.close();
            }
        } catch (IllegalStateException | UnsupportedOperationException e) {
            // no splash (no display: a HeadlessException), or it closed already: nothing to close
        }
    }
}
