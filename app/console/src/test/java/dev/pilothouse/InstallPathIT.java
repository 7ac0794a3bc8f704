package dev.pilothouse;

import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher installed under a folder whose name has spaces ("~/My Apps/pilothouse"): its
 * class-data archives and class path reach the JVM whole, for the CLI, the background engine it
 * starts and the agents that engine starts through the launcher.
 */
class InstallPathIT {
    @TempDir
    Path tmp;
    private Path launcher;
    private Path dataDir;
    private final List<Process> processes = new ArrayList<>();

    private Process cli(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private String ok(String... args) throws Exception {
        Process p = cli(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", args) + ": " + out).isZero();
        return out;
    }

    @AfterEach
    void stop() throws Exception {
        if (dataDir == null) {
            return; // the test stopped before it ran anything
        }
        if (Files.exists(dataDir.resolve("engine.endpoint"))) {
            ok("engine", "stop");
        }
        processes.forEach(Process::destroyForcibly);
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop); // the agents an engine leaves running, to be adopted
        }
    }

    @Test
    void aLauncherUnderAFolderWithSpacesRunsCommandsTheEngineAndAgentsWithItsArchives() throws Exception {
        Path installed = Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse")).toAbsolutePath();
        assertThat(installed.resolve("lib/cli.jsa")).as("the build's class-data archives").exists();
        Path home = tmp.resolve("My Apps").resolve("pilot house");
        Files.createDirectories(home.resolve("bin"));
        launcher = Files.copy(installed.resolve("bin/pilothouse"), home.resolve("bin/pilothouse"));
        Files.createSymbolicLink(home.resolve("lib"), installed.resolve("lib"));
        dataDir = Files.createDirectories(tmp.resolve("data dir"));

        assertThat(ok("--version")).startsWith("pilothouse ");
        ok("sessions", "create", "spaced", "--agent", "reference");
        assertThat(ok("sessions", "send", "spaced", "$ echo from a folder with spaces"))
                .contains("from a folder with spaces");

        // the background engine and the agent ran with their archives, the paths in one piece
        assertThat(commandsUnder(home, "dev.pilothouse.cli.BackgroundEngineMain")).as("the background engine").isNotEmpty()
                .allMatch(c -> c.contains("-XX:SharedArchiveFile=" + home.resolve("lib/engine.jsa")));
        String shown = ok("sessions", "show", "spaced", "-o", "json");
        assertThat(shown).contains("READY");
        assertThat(commandsUnder(home, "dev.pilothouse.agent.reference.ReferenceAgent")).as("agents started from %s", home).isNotEmpty()
                .allMatch(c -> c.contains("-XX:SharedArchiveFile=" + home.resolve("lib/agent.jsa")));
    }

    /** The arguments of the running JVMs with this main class and an argument under {@code home}, from /proc. */
    private static List<List<String>> commandsUnder(Path home, String mainClass) {
        return ProcessHandle.allProcesses().map(InstallPathIT::arguments)
                .filter(a -> a.contains(mainClass) && a.stream().anyMatch(x -> x.contains(home.toString())))
                .toList();
    }

    private static List<String> arguments(ProcessHandle h) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"), StandardCharsets.UTF_8);
            return List.of(line.split("\u0000"));
        } catch (IOException e) {
            return List.of(); // gone meanwhile
        }
    }
}
