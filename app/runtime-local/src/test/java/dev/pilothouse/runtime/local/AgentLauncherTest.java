package dev.pilothouse.runtime.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

class AgentLauncherTest {
    @Test
    void relativeClassPathEntriesBecomeAbsoluteBecauseAgentsRunInTheirWorkspace() {
        String cp = String.join(File.pathSeparator, "target/classes", "/opt/lib/a.jar", "lib/*");
        List<String> entries = List.of(AgentLauncher.absoluteClassPath(cp).split(File.pathSeparator));
        assertThat(entries).hasSize(3).allMatch(e -> Path.of(e.replace("*", "")).isAbsolute());
        assertThat(entries.get(0)).isEqualTo(Path.of("target/classes").toAbsolutePath().toString());
        assertThat(entries.get(1)).isEqualTo("/opt/lib/a.jar");
        assertThat(entries.get(2)).endsWith(File.separator + "lib" + File.separator + "*");
    }

    @Test
    void pilothouseAtTheHeadOfACommandMeansThisInstallationAndOtherCommandsRunAsGiven() {
        List<String> own = AgentLauncher.resolve(List.of("pilothouse", "reference-agent", "--name", "a"));
        if (System.getProperty("pilothouse.launcher") == null) {
            // no launcher (tests, mvn javafx:run): the reference agent's own main, on this JVM's class path
            assertThat(own.subList(own.size() - 3, own.size()))
                    .containsExactly("dev.pilothouse.agent.reference.ReferenceAgent", "--name", "a");
            assertThat(AgentLauncher.resolve(List.of("pilothouse", "engine", "status"))).endsWith("dev.pilothouse.Main", "engine", "status");
        } else {
            assertThat(own.subList(own.size() - 3, own.size())).containsExactly("reference-agent", "--name", "a");
        }
        assertThat(AgentLauncher.resolve(List.of("python3", "agent.py"))).containsExactly("python3", "agent.py");
        List<String> wrapped = AgentLauncher.commandLine(List.of("python3", "agent.py"));
        assertThat(wrapped.subList(wrapped.size() - 2, wrapped.size())).containsExactly("python3", "agent.py");
        assertThat(wrapped).contains("sh", "-c");
    }

    @Test
    void theReferenceAgentGetsTheCoreJarAndTheLibrariesItsManifestNamesOnly(@TempDir Path dir) throws IOException {
        Path core = jar(dir.resolve("pilothouse-core-1.jar"), "jackson-core-2.jar h2-2.jar");
        String cp = String.join(File.pathSeparator, "/w/cli/target/test-classes", "/m2/h2-2.jar", "/m2/javafx-base-21.jar",
                "/m2/jackson-core-2.jar", core.toString());
        assertThat(AgentLauncher.agentClassPath(cp, Optional.of(core)))
                .isEqualTo(String.join(File.pathSeparator, core.toString(), "/m2/jackson-core-2.jar", "/m2/h2-2.jar"));
    }

    @Test
    void theWholeClassPathWhenTheCoreIsNoJarOrALibraryItNamesIsMissing(@TempDir Path dir) throws IOException {
        String cp = String.join(File.pathSeparator, "/w/core/target/classes", "/m2/h2-2.jar");
        assertThat(AgentLauncher.agentClassPath(cp, Optional.empty())).isEqualTo(cp);
        Path core = jar(dir.resolve("core.jar"), "h2-2.jar snakeyaml-2.jar");
        assertThat(AgentLauncher.agentClassPath(cp, Optional.of(core))).isEqualTo(cp);
        Path noClassPath = jar(dir.resolve("bare.jar"), null);
        assertThat(AgentLauncher.agentClassPath(cp, Optional.of(noClassPath))).isEqualTo(cp);
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
