package dev.pilothouse.console;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;

class SplashTest {

    /** Started by a launcher that asks for the splash, on a machine that could not show it (no display here). */
    @Test
    void closingASplashThatIsNotThereIsQuiet() {
        System.setProperty(Splash.PROPERTY, "true");
        try {
            assertThatCode(Splash::close).doesNotThrowAnyException();
            assertThatCode(Splash::close).as("twice").doesNotThrowAnyException();
        } finally {
            System.clearProperty(Splash.PROPERTY);
        }
    }
}
