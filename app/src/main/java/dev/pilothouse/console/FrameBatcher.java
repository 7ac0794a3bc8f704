package dev.pilothouse.console;

import javafx.animation.AnimationTimer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects items from any thread and hands them to the FX thread in one batch per frame, so a
 * storm of engine events costs one UI update per pulse instead of one per event.
 */
public final class FrameBatcher<T> {
    private final Object lock = new Object();
    private List<T> pending = new ArrayList<>();
    private final AnimationTimer timer;

    public FrameBatcher(Consumer<List<T>> onFrame) {
        this.timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                List<T> batch;
                synchronized (lock) {
                    if (pending.isEmpty()) {
                        return;
                    }
                    batch = pending;
                    pending = new ArrayList<>(Math.max(16, batch.size()));
                }
                onFrame.accept(batch);
            }
        };
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
