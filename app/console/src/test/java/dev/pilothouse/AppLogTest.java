package dev.pilothouse;

import dev.pilothouse.engine.AppLogFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's and the CLI's own log: a file per process, the oldest removed, live ones kept. */
class AppLogTest {
    @TempDir
    Path dataDir;

    /** A pid no process has now. */
    private static long deadPid(long from) {
        long pid = from;
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void cleanUpKeepsTheNewestProcessesLogsAndThoseOfLiveProcesses() throws Exception {
        Path logs = Files.createDirectories(dataDir.resolve("logs"));
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        List<String> made = new ArrayList<>();
        long pid = 3_000_000;
        for (int i = 0; i < 8; i++) {
            pid = deadPid(pid + 1);
            String name = AppLogFiles.name(pid, t0.plusSeconds(60L * i));
            Files.writeString(logs.resolve(name + ".log"), "x\n");
            Files.writeString(logs.resolve(name + ".1.log.gz"), "rolled");
            made.add(name);
        }
        // the oldest of all belongs to this (live) process: kept
        String live = AppLogFiles.name(ProcessHandle.current().pid(), t0.minusSeconds(3600));
        Files.writeString(logs.resolve(live + ".log"), "live\n");
        // the single shared file of earlier versions counts as the oldest
        Files.writeString(logs.resolve("pilothouse.log"), "old\n");
        Files.writeString(logs.resolve("pilothouse.2026-01-01.0.log.gz"), "old");
        Files.writeString(logs.resolve("notes.txt"), "not a log");

        List<Path> removed = AppLogFiles.cleanUp(logs, 3);
        assertThat(removed).hasSize(5 * 2 + 2);
        List<String> expected = new ArrayList<>(List.of(live + ".log", "notes.txt"));
        for (String n : made.subList(5, 8)) {
            expected.add(n + ".log");
            expected.add(n + ".1.log.gz");
        }
        assertThat(names(logs)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void commandsHandedToTheEngineLogNothingTheEnginesLogIsItsOwnAndOldOnesAreRemoved() throws Exception {
        Path logs = Files.createDirectories(dataDir.resolve("logs"));
        long pid = 3_000_000;
        for (int i = 0; i < 6; i++) {
            pid = deadPid(pid + 1);
            Files.writeString(logs.resolve(AppLogFiles.name(pid, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)) + ".log"),
                    "old\n");
        }
        // an agent that fails at once: each process logs its session's failure, and leaves nothing running
        assertThat(new dev.pilothouse.cli.CliHarness(dataDir).run("agents", "create", "quitter", "--command", "sh -c 'exit 3'")
                .exit()).isZero();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(java, "-Dpilothouse.log.keep=3", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "--data-dir", dataDir.toString(), "sessions", "create", "s" + i, "--agent", "quitter")
                    .redirectErrorStream(true).redirectOutput(dataDir.resolve("out-" + i + ".txt").toFile()).start());
        }
        List<Long> pids = new ArrayList<>();
        for (Process p : processes) {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(dataDir.resolve("out-" + processes.indexOf(p) + ".txt"))).contains("failed to start");
            pids.add(p.pid());
        }
        List<String> files = names(logs);
        for (long p : pids) {
            // a command handed to the engine logs nothing itself (the engine's log says what it did)
            assertThat(files).as("no log of pid " + p + ", a command handed to the engine").noneMatch(n -> n.endsWith("-" + p + ".log"));
        }
        // the sessions failed in the engine both commands handed their work to: its own log says so
        List<String> engineLogs = new ArrayList<>();
        for (String f : files) {
            if (Files.readString(logs.resolve(f)).contains("failed to start")) {
                engineLogs.add(f);
            }
        }
        assertThat(engineLogs).as("the engine's log in " + files).hasSize(1);
        String enginePid = engineLogs.get(0).replaceAll(".*-(\\d+)\\.log$", "$1");
        assertThat(pids).doesNotContain(Long.parseLong(enginePid));
        assertThat(Files.readString(logs.resolve(engineLogs.get(0)))).contains("pid=" + enginePid)
                .doesNotContainPattern("pid=(?!" + enginePid + "\\b)\\d+");
        // the engine's start kept the newest 3 earlier processes' logs: of the 6 old files at most 3 are left
        assertThat(files.stream().filter(n -> n.startsWith("pilothouse-20260101-") && Files.exists(logs.resolve(n))))
                .hasSizeLessThanOrEqualTo(3);
    }
}
