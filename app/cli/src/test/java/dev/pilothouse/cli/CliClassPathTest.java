package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.RuntimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI's class path (this module's tests run on it) has both runtimes, found by the engine,
 * and no JavaFX: a headless command never loads a UI library.
 */
class CliClassPathTest {
    @TempDir
    Path dataDir;

    @Test
    void bothRuntimesAreFoundAndNoJavaFxIsThere() {
        assertThat(RuntimeProvider.installed()).extracting(RuntimeProvider::kind).containsExactly("local", "kubernetes");
        assertThat(new Runtimes(dataDir).contexts()).startsWith(Engine.LOCAL_CONTEXT);
        for (String ui : new String[]{"javafx.application.Platform", "org.controlsfx.control.Notifications",
                "atlantafx.base.theme.PrimerLight", "org.kordamp.ikonli.javafx.FontIcon"}) {
            assertThat(loadable(ui)).as(ui).isFalse();
        }
    }

    static boolean loadable(String className) {
        try {
            Class.forName(className, false, CliClassPathTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
