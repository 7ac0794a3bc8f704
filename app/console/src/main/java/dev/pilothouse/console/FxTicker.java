package dev.pilothouse.console;

import javafx.application.Platform;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an action on the FX thread at a fixed period, timed by a thread of its own. A JavaFX
 * {@code Timeline} would do the same but keeps the toolkit pulsing 60 times a second between its
 * ticks for as long as it plays: an idle console then used CPU all the time. A tick that finds the
 * last one still waiting for the FX thread is dropped, so a busy FX thread is not flooded.
 */
public final class FxTicker {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-ticker");
        t.setDaemon(true);
        return t;
    });

    private final Duration period;
    private final Runnable action;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile ScheduledFuture<?> ticks;

    /** @param action run on the FX thread every {@code period}, from the first period after {@link #play()} */
    public FxTicker(Duration period, Runnable action) {
        this.period = period;
        this.action = action;
    }

    /** Starts ticking, if not already. */
    public synchronized void play() {
        if (ticks == null) {
            long ms = period.toMillis();
            ticks = TIMER.scheduleAtFixedRate(this::post, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops ticking: no tick runs after this returns on the FX thread. */
    public synchronized void stop() {
        if (ticks != null) {
            ticks.cancel(false);
            ticks = null;
        }
    }

    public boolean playing() {
        return ticks != null;
    }

    private void post() {
        ScheduledFuture<?> current = ticks;
        if (current != null && queued.compareAndSet(false, true)) {
            Platform.runLater(() -> {
                queued.set(false);
                if (ticks == current) {
                    action.run();
                }
            });
        }
    }
}
