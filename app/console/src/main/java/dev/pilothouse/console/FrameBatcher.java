package dev.pilothouse.console;

import javafx.animation.AnimationTimer;
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
 */
public final class FrameBatcher<T> {
    private static final Logger log = LoggerFactory.getLogger(FrameBatcher.class);

    private final Object lock = new Object();
    private List<T> pending = new ArrayList<>();
    private final Consumer<T> onItem;
    private final Runnable onFrameEnd;
    private final AnimationTimer timer;

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
                flush();
            }
        };
    }

    /** Delivers what is queued now (the timer does this once per frame); FX thread. */
    public void flush() {
        List<T> batch;
        synchronized (lock) {
            if (pending.isEmpty()) {
                return;
            }
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
    }

    /** Starts delivering; call on the FX thread. */
    public void start() {
        timer.start();
    }

    public void stop() {
        timer.stop();
    }

    /** Queues an item from any thread. */
    public void add(T item) {
        synchronized (lock) {
            pending.add(item);
        }
    }
}
