package dev.pilothouse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine process killed (kill -9) at many moments of a create, a remix, a pause and a send:
 * after the next command every session is consistent — a row for every workspace and a workspace
 * for every row, nothing half-copied presented as complete, no agent process without a session
 * that wants it, nothing left INIT or BUSY.
 */
class CrashConsistencyIT {
    /**
     * Kill delays in milliseconds after each operation's command started (for remix-copying: after
     * its copy began), spread over start-ups, copies and replies; twelve kills in all keep the suite
     * short. {@code -Dcrash.delays=0,120,400,900,1600} runs every operation at those instead.
     */
    private static final java.util.Map<String, long[]> DELAYS = java.util.Map.of(
            "create", new long[]{0, 400, 1200},
            "remix", new long[]{0, 900},
            "remix-copying", new long[]{0, 100},
            "pause", new long[]{0, 200, 600},
            "send", new long[]{150, 600});
    /** The parent's big file. */
    private static final long PARENT_BYTES = 80_000_000;
    /**
     * Small files in the parent's {@code many/} for remix-copying: a big file is copied in tens of
     * milliseconds, too quick for a poll on two busy cores to see for certain; thousands of small
     * files keep the copy going for most of a second.
     */
    private static final int MANY_FILES = 10_000;

    private static long[] delays(String operation) {
        String given = System.getProperty("crash.delays");
        return given == null || given.isBlank() ? DELAYS.get(operation)
                : java.util.Arrays.stream(given.split(",")).mapToLong(d -> Long.parseLong(d.trim())).toArray();
    }

    @TempDir
    Path dataDir;
    /** How many files the parent has in {@code many/}. */
    private int manyFiles;
    private final List<Process> processes = new ArrayList<>();

    private static Path launcher() {
        return Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse"), "bin", "pilothouse");
    }

    private Process cli(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private record Done(int exit, String output) {
    }

    private Done finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Done(p.exitValue(), out);
    }

    private Done ok(String... args) throws Exception {
        Done d = finish(cli(args));
        assertThat(d.exit()).as(String.join(" ", args) + ": " + d.output()).isZero();
        return d;
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.forEach(Process::destroyForcibly);
        engine().ifPresent(ProcessHandle::destroyForcibly);
        // every agent, pooled ones too: the data dir goes with the test
        for (ProcessHandle h : agentsUnder(dataDir)) {
            h.destroyForcibly();
        }
    }

    private Optional<ProcessHandle> engine() throws IOException {
        Path f = dataDir.resolve("engine.endpoint");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(f)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(p.getProperty("pid"))).filter(ProcessHandle::isAlive);
    }

    /** Every agent process of this data dir's sessions: started in one of their workspaces. */
    private List<ProcessHandle> agents() {
        return agentsUnder(dataDir.resolve("sessions"));
    }

    /**
     * The agent processes working under {@code dir}: the wrapper the runtime starts, whose command
     * says {@code reference-agent}, and the JVM the launcher runs for it, whose command names its
     * main class instead; pooled agents work under the data dir's {@code agent-pool}.
     */
    private static List<ProcessHandle> agentsUnder(Path dir) {
        String root = dir.toString();
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains("reference-agent") || c.contains("ReferenceAgent")).orElse(false)
                && workspaceOf(h).map(w -> w.startsWith(root)).orElse(false)).toList();
    }

    private static Optional<String> workspaceOf(ProcessHandle h) {
        try {
            return Optional.of(Path.of("/proc", Long.toString(h.pid()), "cwd").toRealPath().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Kills the engine {@code delayMs} after {@code args} started, then checks the data dir after the next command. */
    private void killDuring(long delayMs, String... args) throws Exception {
        killWhen(() -> true, delayMs, args);
    }

    /**
     * Kills the engine once {@code moment} holds (then {@code delayMs} later), then checks the data
     * dir after the next command; returns the names of the sessions whose remix copy the kill cut short.
     */
    private Set<String> killWhen(java.util.concurrent.Callable<Boolean> moment, long delayMs, String... args) throws Exception {
        Process p = cli(args);
        await().atMost(Duration.ofSeconds(60)).until(() -> engine().isPresent());
        ProcessHandle engine = engine().orElseThrow();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> moment.call() || !p.isAlive());
        if (!moment.call() && !p.isAlive()) {
            throw new AssertionError("the command ended before the moment to kill its engine came: "
                    + String.join(" ", args) + ": exit " + p.exitValue() + ": " + finish(p).output());
        }
        await().pollDelay(Duration.ofMillis(delayMs)).atMost(Duration.ofMillis(delayMs + 1000)).until(() -> true);
        engine.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !engine.isAlive());
        finish(p); // its outcome may be either: the engine died under it
        return assertConsistent();
    }

    private Set<String> assertConsistent() throws Exception {
        Set<String> interrupted = new HashSet<>();
        for (JsonNode s : Json.parse(ok("sessions", "list", "--all", "-o", "json").output())) {
            if (copyPending(s)) {
                // an interrupted remix copy says so, and a retry copies it again, whole
                assertThat(s.get("state").asText()).isEqualTo("ERROR");
                interrupted.add(s.get("name").asText());
                ok("sessions", "retry", s.get("name").asText());
            }
        }
        JsonNode sessions = Json.parse(ok("sessions", "list", "--all", "-o", "json").output());
        Set<String> rows = new HashSet<>();
        for (JsonNode s : sessions) {
            String id = s.get("id").asText();
            String state = s.get("state").asText();
            rows.add(id);
            assertThat(state).as("session %s after a crash", s.get("name").asText()).isNotIn("INIT", "BUSY");
            assertThat(copyPending(s)).as("%s copied again by its retry", s.get("name").asText()).isFalse();
            if (s.get("purged_at") == null || s.get("purged_at").isNull()) {
                Path ws = dataDir.resolve("sessions").resolve(id).resolve("workspace");
                assertThat(ws).as("workspace of %s", s.get("name")).isDirectory();
                if (s.hasNonNull("parent_session_id")) {
                    assertWholeCopy(s.get("name").asText(), ws);
                }
            }
            assertThat(dataDir.resolve("sessions").resolve(id).resolve("workspace.partial")).doesNotExist();
        }
        try (Stream<Path> dirs = Files.list(dataDir.resolve("sessions"))) {
            assertThat(dirs.map(d -> d.getFileName().toString()).toList()).as("volumes with no session")
                    .allMatch(rows::contains);
        }
        for (ProcessHandle agent : agents()) {
            String ws = workspaceOf(agent).orElse("");
            JsonNode owner = null;
            for (JsonNode s : sessions) {
                if (ws.contains(s.get("id").asText())) {
                    owner = s;
                }
            }
            assertThat(owner).as("agent pid %d in %s has a session", agent.pid(), ws).isNotNull();
            assertThat(owner.get("state").asText()).as("agent of %s", owner.get("name").asText()).isEqualTo("READY");
        }
        return interrupted;
    }

    /** A remix's copy is under way: some session's workspace.partial exists. */
    private boolean copying() throws IOException {
        try (Stream<Path> dirs = Files.list(dataDir.resolve("sessions"))) {
            return dirs.anyMatch(d -> Files.isDirectory(d.resolve("workspace.partial")));
        }
    }

    private static boolean copyPending(JsonNode s) {
        return s.hasNonNull("termination_reason") && s.get("termination_reason").asText().startsWith("remix interrupted");
    }

    /** A remix child's workspace holds everything of its parent's: never half a copy presented as complete. */
    private void assertWholeCopy(String name, Path ws) throws IOException {
        assertThat(ws.resolve("big.bin")).as("big.bin of %s", name).exists();
        assertThat(Files.size(ws.resolve("big.bin"))).as("big.bin of %s", name).isEqualTo(PARENT_BYTES);
        try (Stream<Path> files = Files.list(ws.resolve("d"))) {
            assertThat(files.count()).as("files in d/ of %s", name).isEqualTo(200);
        }
        if (manyFiles > 0) {
            try (Stream<Path> files = Files.list(ws.resolve("many"))) {
                assertThat(files.count()).as("files in many/ of %s", name).isEqualTo(manyFiles);
            }
        }
    }

    /**
     * Each operation killed at several moments; {@code remix-copying} kills while the child's
     * workspace.partial is being written, so the copy is interrupted for certain.
     */
    @ParameterizedTest
    @ValueSource(strings = {"create", "remix", "remix-copying", "pause", "send"})
    void killedAtAnyMomentLeavesEverySessionConsistent(String operation) throws Exception {
        manyFiles = operation.equals("remix-copying") ? MANY_FILES : 0;
        ok("sessions", "create", "parent", "--agent", "reference",
                "--prompt", "$ head -c " + PARENT_BYTES + " /dev/zero > big.bin; mkdir -p d; for i in $(seq 200); do echo $i > d/f$i; done"
                        + (manyFiles > 0 ? "; mkdir many; seq " + manyFiles + " | split -l 1 -a 5 - many/f" : ""));
        int n = 0;
        for (long delay : delays(operation)) {
            String name = operation + "-" + n++;
            switch (operation) {
                case "create" -> killDuring(delay, "sessions", "create", name, "--agent", "reference", "--prompt", "$ echo hello");
                case "remix" -> killDuring(delay, "sessions", "remix", "parent", "--name", name);
                case "remix-copying" -> assertThat(killWhen(this::copying, delay, "sessions", "remix", "parent", "--name", name))
                        .as("the kill cut %s's copy short", name).contains(name);
                case "pause" -> {
                    ok("sessions", "create", name, "--agent", "reference");
                    killDuring(delay, "sessions", "pause", name);
                }
                case "send" -> {
                    ok("sessions", "create", name, "--agent", "reference");
                    killDuring(delay, "sessions", "send", name, "$ sleep 0.5; echo done");
                }
                default -> throw new IllegalArgumentException(operation);
            }
        }
    }
}
