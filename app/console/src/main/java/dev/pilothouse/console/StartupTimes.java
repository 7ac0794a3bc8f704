package dev.pilothouse.console;

import javafx.animation.AnimationTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * When the console showed its first frame (the opening frame), its main window and its first
 * context's sessions, said once each in its log as a wall-clock instant and as time since the JVM
 * started. The start-up benchmark reads the instants and subtracts the moment it launched the
 * process (docs/performance.md): a process's own start time ({@code ProcessHandle.Info.startInstant})
 * is derived from the boot time, which Linux gives in whole seconds, and read up to a second early.
 */
public final class StartupTimes {
    private static final Logger log = LoggerFactory.getLogger(StartupTimes.class);
    private static final AtomicBoolean FRAME = new AtomicBoolean();
    private static final AtomicBoolean WINDOW = new AtomicBoolean();
    private static final AtomicBoolean TABLE = new AtomicBoolean();
    /** Read beside the start-up, not on the FX thread: the management classes take a while to load. */
    private static final CompletableFuture<Long> JVM_START =
            CompletableFuture.supplyAsync(() -> ManagementFactory.getRuntimeMXBean().getStartTime());

    private StartupTimes() {
    }

    /** Call on the FX thread once the opening frame is on screen. */
    static void firstFrameShown() {
        firstFrame(Instant.now());
    }

    /** Call on the FX thread once the main window is shown (the first frame too, if nothing came before it). */
    static void windowShown() {
        if (WINDOW.compareAndSet(false, true)) {
            afterNextFrame(() -> {
                Instant at = Instant.now();
                firstFrame(at);
                log.info("main window drawn at {} ({} ms after the JVM started)", at, sinceJvmStart(at));
            });
        }
    }

    private static void firstFrame(Instant at) {
        if (FRAME.compareAndSet(false, true)) {
            log.info("first frame at {} ({} ms after the JVM started)", at, sinceJvmStart(at));
        }
    }

    /** Call on the FX thread when the session table has been given its first context's rows. */
    public static void tableFilled(int sessions) {
        if (TABLE.compareAndSet(false, true)) {
            afterNextFrame(() -> {
                Instant at = Instant.now();
                log.info("session table filled with {} sessions at {} ({} ms after the JVM started)", sessions, at,
                        sinceJvmStart(at));
            });
        }
    }

    /** Runs {@code r} on the FX thread at the second pulse from now: the first one has then been drawn. */
    public static void afterNextFrame(Runnable r) {
        afterPulses(2, r);
    }

    /** Runs {@code r} on the FX thread at the n-th pulse from now. */
    static void afterPulses(int n, Runnable r) {
        new AnimationTimer() {
            private int pulses;

            @Override
            public void handle(long now) {
                if (++pulses == n) {
                    stop();
                    r.run();
                }
            }
        }.start();
    }

    private static long sinceJvmStart(Instant at) {
        return at.toEpochMilli() - JVM_START.join();
    }
}
