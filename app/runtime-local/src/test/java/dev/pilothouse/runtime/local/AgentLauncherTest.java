package dev.pilothouse.runtime.local;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

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
}
