package dev.pilothouse.console;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ControlsLogTest {

    /** JavaFX's controls find their logger through System.Logger; its INFO lines (JDK-8140504's among them) stay out of the terminal. */
    @Test
    void theControlsLogWarningsButNotTheirInfoLines() {
        System.Logger controls = System.getLogger("javafx.scene.control");
        ConsoleApp.quietControls();
        assertThat(controls.isLoggable(System.Logger.Level.INFO)).isFalse();
        assertThat(controls.isLoggable(System.Logger.Level.WARNING)).isTrue();
        assertThat(System.getLogger("javafx.scene").isLoggable(System.Logger.Level.INFO)).as("other loggers untouched").isTrue();
    }
}
