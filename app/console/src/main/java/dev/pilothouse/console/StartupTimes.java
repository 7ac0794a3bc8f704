package dev.pilothouse.console;

import javafx.animation.AnimationTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long the console took to show its first frame and its first context's sessions, said once each
 * in its log, timed from the start of the process (the launcher script's, which execs the JVM in
 * place): the start-up benchmark reads these lines (docs/performance.md).
 */
public final class StartupTimes {
    private static final Logger log = LoggerFactory.getLogger(StartupTimes.class);
    private static final AtomicBoolean FRAME = new AtomicBoolean();
    private static final AtomicBoolean TABLE = new AtomicBoolean();

    private StartupTimes() {
    }

    /** Call on the FX thread once the window is shown. */
    static void windowShown() {
        if (FRAME.compareAndSet(false, true)) {
            afterNextFrame(() -> log.info("first frame {} ms after the process started", sinceStart()));
        }
    }

    /** Call on the FX thread when the session table has been given its first context's rows. */
    public static void tableFilled(int sessions) {
        if (TABLE.compareAndSet(false, true)) {
            afterNextFrame(() -> log.info("session table filled with {} sessions {} ms after the process started",
                    sessions, sinceStart()));
        }
    }

    /** Runs {@code r} at the second pulse from now: the first one has then been drawn. */
    private static void afterNextFrame(Runnable r) {
        new AnimationTimer() {
            private int pulses;

            @Override
            public void handle(long now) {
                if (++pulses == 2) {
                    stop();
                    r.run();
                }
            }
        }.start();
    }

    private static long sinceStart() {
        return ProcessHandle.current().info().startInstant()
                .map(start -> Duration.between(start, Instant.now()).toMillis()).orElse(-1L);
    }
}
