package dev.pilothouse.agent.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

class AgentClassPathTest {
    @Test
    void theReferenceAgentGetsTheCoreJarAndTheLibrariesItsManifestNamesOnly(@TempDir Path dir) throws IOException {
        Path core = jar(dir.resolve("pilothouse-core-1.jar"), "jackson-core-2.jar h2-2.jar");
        String cp = String.join(File.pathSeparator, "/w/cli/target/test-classes", "/m2/h2-2.jar", "/m2/javafx-base-21.jar",
                "/m2/jackson-core-2.jar", core.toString());
        assertThat(AgentClassPath.of(cp, Optional.of(core)))
                .isEqualTo(String.join(File.pathSeparator, core.toString(), "/m2/jackson-core-2.jar", "/m2/h2-2.jar"));
    }

    @Test
    void theWholeClassPathWhenTheCoreIsNoJarOrALibraryItNamesIsMissing(@TempDir Path dir) throws IOException {
        String cp = String.join(File.pathSeparator, "/w/core/target/classes", "/m2/h2-2.jar");
        assertThat(AgentClassPath.of(cp, Optional.empty())).isEqualTo(cp);
        Path core = jar(dir.resolve("core.jar"), "h2-2.jar snakeyaml-2.jar");
        assertThat(AgentClassPath.of(cp, Optional.of(core))).isEqualTo(cp);
        Path noClassPath = jar(dir.resolve("bare.jar"), null);
        assertThat(AgentClassPath.of(cp, Optional.of(noClassPath))).isEqualTo(cp);
    }

    private static Path jar(Path file, String classPath) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return file;
    }
}
