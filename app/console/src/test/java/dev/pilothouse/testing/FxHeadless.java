package dev.pilothouse.testing;

import javafx.application.Platform;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** For programs (benchmarks, screenshots) that run the real console without a display. */
public final class FxHeadless {
    private FxHeadless() {
    }

    /** Monocle's headless screen of the given size, software rendering; call before the toolkit starts. */
    public static void start(int width, int height) {
        System.setProperty("glass.platform", "Monocle");
        System.setProperty("monocle.platform", "Headless");
        System.setProperty("prism.order", "sw");
        System.setProperty("prism.text", "t2k");
        System.setProperty("prism.lcdtext", "false");
        System.setProperty("java.awt.headless", "true");
        System.setProperty("headless.geometry", width + "x" + height + "-32");
        Platform.startup(() -> {
        });
    }

    /**
     * For benchmarks of what a window shows: real windows when there is a display ({@code DISPLAY},
     * as {@code xvfb-run} gives one: GTK, software rendering without a GPU), else Monocle's headless
     * screen. Says which. Monocle is not a window system: with two windows open it repaints the one
     * underneath whole on every frame (docs/performance.md, replay scrubbing), so a benchmark of two
     * windows measures Monocle there, not the console.
     */
    public static String startWindows(int width, int height) {
        String display = System.getenv("DISPLAY");
        if (display == null || display.isBlank()) {
            start(width, height);
            return "Monocle's headless screen, " + width + "x" + height + ", software rendering";
        }
        Platform.startup(() -> {
        });
        return "windows on display " + display;
    }

    /** Waits, polling, until {@code c} holds (checked on this thread; exceptions count as not yet). */
    public static void await(java.time.Duration max, Callable<Boolean> c) {
        org.awaitility.Awaitility.await().atMost(max).pollInterval(java.time.Duration.ofMillis(50)).ignoreExceptions()
                .until(c);
    }

    /** Waits until {@code c} holds on the FX thread. */
    public static void awaitFx(java.time.Duration max, Callable<Boolean> c) {
        await(max, () -> fx(c));
    }

    /** Waits for {@code n} pulses, so layout, CSS and per-frame batches have run. */
    public static void awaitPulses(int n) throws Exception {
        java.util.concurrent.CountDownLatch pulses = new java.util.concurrent.CountDownLatch(n);
        javafx.animation.AnimationTimer timer = new javafx.animation.AnimationTimer() {
            @Override
            public void handle(long now) {
                pulses.countDown();
            }
        };
        fx(() -> {
            timer.start();
            return null;
        });
        try {
            if (!pulses.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no " + n + " pulses in 30 s");
            }
        } finally {
            fx(() -> {
                timer.stop();
                return null;
            });
        }
    }

    /** Runs on the FX thread and waits for the answer (never call it from the FX thread). */
    public static <T> T fx(Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(60, TimeUnit.SECONDS);
    }
}
