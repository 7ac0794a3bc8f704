package dev.pilothouse;

import dev.pilothouse.runtime.RuntimeProvider;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine core builds and runs with no JavaFX, no fabric8, no CLI and no runtime
 * implementation on its class path (this module's tests run on its class path plus test libraries):
 * whatever imports one of them does not compile here.
 */
class CoreClassPathTest {
    @Test
    void neitherJavaFxNorFabric8NorARuntimeImplementationIsOnTheClassPath() {
        assertThat(loadable("javafx.application.Platform")).isFalse();
        assertThat(loadable("org.controlsfx.control.Notifications")).isFalse();
        assertThat(loadable("io.fabric8.kubernetes.client.KubernetesClient")).isFalse();
        assertThat(loadable("picocli.CommandLine")).isFalse();
        assertThat(loadable("dev.pilothouse.runtime.local.LocalRuntime")).isFalse();
        assertThat(RuntimeProvider.installed()).isEmpty();
    }

    static boolean loadable(String className) {
        try {
            Class.forName(className, false, CoreClassPathTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
