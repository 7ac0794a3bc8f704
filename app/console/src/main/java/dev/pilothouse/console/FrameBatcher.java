package dev.pilothouse.console;

import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects items from any thread and hands them to the FX thread in one batch per frame, so a
 * storm of engine events costs one UI update per pulse instead of one per event. Each item goes
 * to the item handler on its own: one that throws is logged and the rest of the frame is still
 * delivered; then the end-of-frame handler applies what the frame gathered.
 *
 * <p>The frame timer runs only while items arrive: a running {@link AnimationTimer} makes JavaFX
 * pulse 60 times a second, which kept an idle console busy. It stops after {@link #IDLE_FRAMES}
 * frames with nothing to deliver and the next item starts it again.
 */
public final class FrameBatcher<T> {
    private static final Logger log = LoggerFactory.getLogger(FrameBatcher.class);

    private final Object lock = new Object();
    private List<T> pending = new ArrayList<>();
    private final Consumer<T> onItem;
    private final Runnable onFrameEnd;
    private final AnimationTimer timer;
    /** Frames without items before the timer stops: a steady stream does not restart it at every item. */
    static final int IDLE_FRAMES = 30;
    /** Started by the owner and not stopped since (under {@link #lock}). */
    private boolean open;
    /** The timer runs, or its start is queued (under {@link #lock}). */
    private boolean ticking;
    private int idleFrames;

    /**
     * @param onItem     told of each item, in order (FX thread)
     * @param onFrameEnd runs once after a frame's items, to apply what they gathered (FX thread)
     */
    public FrameBatcher(Consumer<T> onItem, Runnable onFrameEnd) {
        this.onItem = onItem;
        this.onFrameEnd = onFrameEnd;
        this.timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (!flush()) {
                    stopWhenIdle();
                }
            }
        };
    }

    /** Delivers what is queued now (the timer does this once per frame); FX thread. Whether there was any. */
    public boolean flush() {
        List<T> batch;
        synchronized (lock) {
            if (pending.isEmpty()) {
                return false;
            }
            idleFrames = 0;
            batch = pending;
            pending = new ArrayList<>(Math.max(16, batch.size()));
        }
        for (T item : batch) {
            try {
                onItem.accept(item);
            } catch (RuntimeException e) {
                log.error("a console event handler failed on {}; the rest of the frame is delivered", item, e);
            }
        }
        try {
            onFrameEnd.run();
        } catch (RuntimeException e) {
            log.error("applying a frame of console events failed", e);
        }
        return true;
    }

    private void stopWhenIdle() {
        synchronized (lock) {
            // an item added since this frame's flush keeps the timer: the next frame delivers it
            if (pending.isEmpty() && ++idleFrames >= IDLE_FRAMES) {
                ticking = false;
                timer.stop();
            }
        }
    }

    /** Starts delivering; call on the FX thread. */
    public void start() {
        synchronized (lock) {
            open = true;
            ticking = true;
            idleFrames = 0;
        }
        timer.start();
    }

    /** Stops delivering until {@link #start()}; items added meanwhile wait. FX thread. */
    public void stop() {
        synchronized (lock) {
            open = false;
            ticking = false;
        }
        timer.stop();
    }

    /** Whether the frame timer runs (or is about to): false once idle. */
    boolean ticking() {
        synchronized (lock) {
            return ticking;
        }
    }

    /** Queues an item from any thread; wakes the frame timer if it stopped for being idle. */
    public void add(T item) {
        synchronized (lock) {
            pending.add(item);
            if (!open || ticking) {
                return;
            }
            ticking = true;
            idleFrames = 0;
        }
        Platform.runLater(this::wake);
    }

    private void wake() {
        synchronized (lock) {
            if (!open || !ticking) {
                return; // stopped by its owner meanwhile
            }
        }
        timer.start();
    }
}
