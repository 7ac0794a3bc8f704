package dev.pilothouse.runtime.local;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.Processes;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The local runtime with real processes and real files. */
class LocalRuntimeTest {
    @TempDir
    Path dataDir;
    private final List<LocalRuntime> opened = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
        opened.forEach(LocalRuntime::close);
    }

    static AgentDefinition shell(String name, String script) {
        return new AgentDefinition("id-" + name, name, null, List.of("sh", "-c", script), null, null, Map.of(), 0,
                new Resources(null, null, null), null, null, null);
    }

    static Session session(AgentDefinition agent) {
        return Fixtures.newSession(agent, "s-" + agent.name(), SessionState.INIT, Instant.now());
    }

    LocalRuntime runtime(long graceMillis) {
        LocalRuntime r = new LocalRuntime(dataDir, graceMillis);
        opened.add(r);
        return r;
    }

    LocalRuntime runtime(LogLimits limits) {
        LocalRuntime r = new LocalRuntime(LocalRuntime.CONTEXT, dataDir.resolve("sessions"), 2000, limits);
        opened.add(r);
        return r;
    }

    static List<String> texts(List<LogLine> lines) {
        return lines.stream().map(LogLine::text).toList();
    }

    List<String> read(LocalRuntime runtime, Session s, String agent, LogOptions options) {
        List<String> out = new ArrayList<>();
        runtime.logs(s.id(), agent, options, lines -> out.addAll(texts(lines))).close();
        return out;
    }

    @Test
    void eachRunStartsAFreshLogAndThePreviousRunIsKeptBesideIt() throws Exception {
        AgentDefinition agent = shell("talker", "echo \"run $RUN_NO\"; exec sleep 600");
        Session s = session(agent);
        LocalRuntime runtime = runtime(new LogLimits(1 << 20, 2));
        Path log = runtime.files(s.id()).log("talker");
        for (int run = 1; run <= 4; run++) {
            AgentDefinition numbered = new AgentDefinition(agent.id(), agent.name(), null,
                    List.of("sh", "-c", "echo 'run " + run + "'; exec sleep 600"), null, null, Map.of(), 0,
                    new Resources(null, null, null), null, null, null);
            runtime.start(s, List.of(numbered));
            String expected = "run " + run;
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains(expected));
            runtime.stop(s.id());
        }
        List<String> current = Files.readAllLines(log);
        assertThat(current).hasSize(2);
        assertThat(current.get(0)).startsWith(LogFiles.MARKER).contains("agent 'talker' spawned at");
        assertThat(current.get(1)).isEqualTo("run 4");
        assertThat(Files.readAllLines(LogFiles.rotated(log, 1))).last().isEqualTo("run 3");
        assertThat(Files.readAllLines(LogFiles.rotated(log, 2))).last().isEqualTo("run 2");
        assertThat(LogFiles.rotated(log, 3)).as("keep 2: run 1 is gone").doesNotExist();

        List<String> previous = read(runtime, s, "talker", new LogOptions(-1, false, true));
        assertThat(previous).hasSize(2);
        assertThat(previous.get(0)).startsWith(LogFiles.MARKER);
        assertThat(previous.get(1)).isEqualTo("run 3");
        assertThat(read(runtime, s, "talker", LogOptions.ALL)).containsExactlyElementsOf(current);
    }

    @Test
    void aRunPastTheSizeLimitRotatesWhileFollowedWithoutRepeatingOrReorderingLines() throws Exception {
        AgentDefinition chatty = shell("chatty",
                "i=0; while :; do i=$((i+1)); echo \"line $i\"; [ $((i % 50)) -eq 0 ] && sleep 0.01; done");
        Session s = session(chatty);
        LogLimits limits = new LogLimits(16 * 1024, 2);
        LocalRuntime runtime = runtime(limits);
        Path log = runtime.files(s.id()).log("chatty");
        runtime.start(s, List.of(chatty));
        List<String> followed = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var sub = runtime.logs(s.id(), "chatty", new LogOptions(-1, true, false), lines -> followed.addAll(texts(lines)))) {
            // rotated far enough that the run's beginning (its marker, in the first file) is no longer kept:
            // with only .1 and .2 written, .2 still starts with it (this waited for .2 alone, and failed once)
            await().atMost(Duration.ofSeconds(30)).until(() -> beginningDropped(log));
            runtime.stop(s.id());
            // the follower catches up with the last line written: in the log, or in .1 when the stop came
            // right after a rotation emptied it
            List<String> left = Files.readAllLines(log);
            List<String> last = left.isEmpty() ? Files.readAllLines(LogFiles.rotated(log, 1)) : left;
            String lastInFile = last.get(last.size() - 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !followed.isEmpty()
                    && followed.get(followed.size() - 1).equals(lastInFile));
        }
        List<Integer> numbers = followed.stream().filter(l -> l.startsWith("line ")).map(l -> Integer.valueOf(l.substring(5)))
                .toList();
        assertThat(numbers).as("in order, none twice").isSorted().doesNotHaveDuplicates();
        int gaps = 0;
        for (int i = 1; i < numbers.size(); i++) {
            gaps += numbers.get(i) - numbers.get(i - 1) > 1 ? 1 : 0;
        }
        assertThat(numbers.get(0)).isEqualTo(1);
        // copy-and-truncate can lose what is written in the instant before the truncation, and only then
        assertThat(gaps).as("gaps in " + numbers.size() + " lines").isLessThanOrEqualTo(2);
        for (Path f : List.of(LogFiles.rotated(log, 1), LogFiles.rotated(log, 2))) {
            assertThat(Files.readAllLines(f)).isNotEmpty();
        }
        assertThat(LogFiles.rotated(log, 3)).doesNotExist();

        // the next run: its previous run is what is left of the rotated one, said to be incomplete
        runtime.start(s, List.of(shell("chatty", "echo next; exec sleep 600")));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("next"));
        List<String> previous = read(runtime, s, "chatty", new LogOptions(-1, false, true));
        assertThat(previous.get(0)).contains("the beginning of the previous run is no longer kept");
        assertThat(previous.subList(1, previous.size())).isNotEmpty().noneMatch(LogFiles::isRunMarker)
                .anyMatch(l -> l.startsWith("line "));
    }

    /** Whether the oldest kept file (.2) exists and no longer starts with the run's marker. */
    private static boolean beginningDropped(Path log) {
        try (java.io.BufferedReader r = Files.newBufferedReader(LogFiles.rotated(log, 2))) {
            String first = r.readLine();
            return first != null && !LogFiles.isRunMarker(first);
        } catch (java.io.IOException notYetOrBeingRenamed) {
            return false;
        }
    }

    @Test
    void logLimitsAreReadFromSettingsAndBadOnesAreRefused() {
        assertThat(LogLimits.from(n -> null)).isEqualTo(LogLimits.DEFAULT);
        assertThat(LogLimits.DEFAULT.maxBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(LogLimits.from(n -> n.equals("max-size") ? "512k" : "5")).isEqualTo(new LogLimits(512 * 1024, 5));
        assertThat(LogLimits.bytes("10MB")).isEqualTo(10L << 20);
        assertThat(LogLimits.bytes("1g")).isEqualTo(1L << 30);
        assertThat(LogLimits.bytes("8192")).isEqualTo(8192);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogLimits.bytes("lots"))
                .isInstanceOf(dev.pilothouse.errors.InvalidInputException.class).hasMessageContaining("such as 512k, 10MB");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LogLimits(1 << 20, 0))
                .hasMessageContaining("accepted: 1 to 100");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LogLimits(100, 2)).hasMessageContaining("too small");
    }

    @Test
    void anInterruptedStopKillsAtOnceInsteadOfWaitingOutTheGracePeriod() {
        AgentDefinition stubborn = shell("stubborn", "trap '' TERM; echo started; while :; do sleep 1; done");
        Session s = session(stubborn);
        LocalRuntime runtime = runtime(600_000); // a grace period the test would never see end
        runtime.start(s, List.of(stubborn));
        long pid = runtime.pids(s.id()).get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.lastLogLines(s.id(), "stubborn", 1).contains("started"));
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread stopper = new Thread(() -> {
            runtime.stop(s.id());
            flagKept.set(Thread.currentThread().isInterrupted());
        }, "stopper");
        stopper.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        stopper.interrupt();
        await().atMost(Duration.ofSeconds(10)).until(() -> !stopper.isAlive());
        assertThat(flagKept.get()).as("the interrupt flag is restored").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(p -> !Processes.running(p)).orElse(true));
    }
}
