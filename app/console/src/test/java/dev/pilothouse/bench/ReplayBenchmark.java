package dev.pilothouse.bench;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.console.ConsoleWindow;
import dev.pilothouse.console.replay.ReplayWindow;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.store.Store;
import dev.pilothouse.testing.Fixtures;
import dev.pilothouse.testing.FxHeadless;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.control.Slider;
import javafx.stage.Stage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Issue 15, item 7: the Replay window scrubbing a session of 10,000 timeline entries (1,000
 * exchanges, each a message, its reply and eight streamed events, stored as the engine stores
 * them) and the 2,000 log lines a timeline holds at most (its agent's log, timed by the local
 * runtime's sidecar: two lines an exchange) in the real console. For 20 s the scrubber is moved to a new place every frame, as a fast
 * drag does, and the FX thread's frame gaps are measured, over the whole run and apart for its first
 * 5 s (the JIT still compiling what the frames run). Real windows on a display (Xvfb here: GTK,
 * software rendering) with the console's main window under the Replay window, as an operator has
 * them; without a display, Monocle's headless screen, which repaints the main window whole on every
 * frame (see {@link FxHeadless#startWindows}). Not part of {@code mvn verify}:
 * <pre>xvfb-run -a -s "-screen 0 1600x1000x24" env JAVA_TOOL_OPTIONS=-XX:+UseZGC mvn -q test-compile exec:exec@bench -pl app/console -Dbench.main=dev.pilothouse.bench.ReplayBenchmark</pre>
 */
public final class ReplayBenchmark {
    private static final int EXCHANGES = 1_000;
    private static final int EVENTS = 8;
    /** Log lines on the timeline: as many as it holds at most. */
    private static final int LOG_LINES = 2_000;

    private ReplayBenchmark() {
    }

    /**
     * The agent's log: two lines an exchange, with the sidecar the local runtime's engine writes while
     * it follows a log ({@code size time} per look), so each line has its own time.
     */
    private static void writeLog(Path logs, Instant t0) throws java.io.IOException {
        Files.createDirectories(logs);
        StringBuilder log = new StringBuilder();
        StringBuilder times = new StringBuilder();
        for (int i = 0; i < LOG_LINES; i++) {
            int k = i / 2;
            log.append(i % 2 == 0 ? "message " + k + " received (10 characters, command)"
                    : "reply to message " + k + " finished in 850 ms: exit code 0").append('\n');
            times.append(log.length()).append(' ').append(t0.plusSeconds(10L * k).plusMillis(i % 2 == 0 ? 50 : 950))
                    .append('\n');
        }
        Files.writeString(logs.resolve("reference.log"), log);
        Files.writeString(logs.resolve(".reference.log.times"), times);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pilothouse-replay-bench");
        System.out.println("# replay scrubbing benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version"));
        Instant t0 = Instant.parse("2026-12-01T09:00:00Z");
        String id;
        try (Store store = Store.open(dir)) {
            AgentDefinition ref = Fixtures.reference(store);
            Session s = Fixtures.insert(store, ref, "long-history", SessionState.IDLE, t0);
            id = s.id();
            for (int i = 0; i < EXCHANGES; i += 100) {
                int from = i;
                store.write(tx -> {
                    for (int k = from; k < from + 100; k++) {
                        Instant at = t0.plusSeconds(10L * k);
                        tx.insertMessage(new Message(0, s.id(), Message.Role.USER, "reference", "$ step " + k,
                                Message.Status.COMPLETE, null, at));
                        StringBuilder text = new StringBuilder();
                        List<TraceEvent> events = new ArrayList<>();
                        for (int e = 0; e < EVENTS - 1; e++) {
                            text.append("line ").append(e).append(" of step ").append(k).append('\n');
                        }
                        Message reply = tx.insertMessage(new Message(0, s.id(), Message.Role.AGENT, "reference",
                                text.toString(), Message.Status.COMPLETE, null, at.plusMillis(900)));
                        for (int e = 0; e < EVENTS - 1; e++) {
                            String piece = "line " + e + " of step " + k + "\n";
                            events.add(new TraceEvent(reply.id(), e, 100L * (e + 1), AgentEvent.Type.TOOL_OUTPUT, "stdout",
                                    piece.length(), piece, null));
                        }
                        events.add(new TraceEvent(reply.id(), EVENTS - 1, 850, AgentEvent.Type.DONE, null, 0, null, 0));
                        tx.insertTrace(events);
                    }
                    return null;
                });
            }
        }
        writeLog(dir.resolve("sessions").resolve(id).resolve("logs"), t0);
        System.out.println("(" + FxHeadless.startWindows(1600, 1000) + ")");
        ConsoleWindow window = FxHeadless.fx(() -> ConsoleWindow.show(new Stage(), dir,
                () -> Engine.open(EngineConfig.of(dir).withBackground(true))));
        FxHeadless.awaitFx(Duration.ofSeconds(60), () -> window.engine() != null
                && window.controller().model().rows().size() == 1);
        Session session = window.engine().session("long-history");
        ReplayWindow replay = FxHeadless.fx(() -> {
            ReplayWindow r = new ReplayWindow(window.controller().console(), window.stage(), false, session);
            r.show();
            return r;
        });
        long opened = System.nanoTime();
        FxHeadless.awaitFx(Duration.ofSeconds(60), () -> replay.model() != null && !replay.model().entries().isEmpty());
        int entries = FxHeadless.fx(() -> replay.model().entries().size());
        System.out.printf("(timeline of %,d entries loaded %.2f s after the window opened)%n", entries,
                (System.nanoTime() - opened) / 1e9);
        Slider scrubber = FxHeadless.fx(() -> (Slider) replay.stage().getScene().lookup("#replay-scrubber"));

        ConsoleBenchmark.FrameGaps gaps = new ConsoleBenchmark.FrameGaps();
        Random random = new Random(7);
        int[] moves = {0};
        AnimationTimer drag = new AnimationTimer() {
            @Override
            public void handle(long now) {
                scrubber.setValue(1 + random.nextInt(entries));
                moves[0]++;
            }
        };
        Platform.runLater(() -> {
            System.out.println("(scrubbing from " + Instant.now() + ")");
            gaps.start();
            drag.start();
        });
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(20).toNanos());
        FxHeadless.fx(() -> {
            drag.stop();
            gaps.stop();
            return null;
        });
        System.out.printf("| scrubber moved to a random entry every frame for 20 s (%,d moves) over %,d entries | done |%n",
                moves[0], entries);
        System.out.printf("| frame gap while scrubbing: p50 / p99 / max (%,d frames) | %.1f / %.1f / %.1f ms |%n",
                gaps.count(), gaps.percentile(50), gaps.percentile(99), gaps.max());
        System.out.printf("| frame gap p99 in the first 5 s / the 15 s after | %.1f / %.1f ms |%n",
                gaps.percentile(99, Duration.ZERO, Duration.ofSeconds(5)), gaps.percentile(99, Duration.ofSeconds(5), Duration.ofSeconds(30)));
        FxHeadless.fx(() -> {
            replay.stage().close();
            window.close();
            return null;
        });
        Platform.exit();
        new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        System.exit(0);
    }
}
