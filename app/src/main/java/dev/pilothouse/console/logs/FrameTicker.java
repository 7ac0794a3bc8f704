package dev.pilothouse.console.logs;

import javafx.animation.AnimationTimer;
import javafx.application.Platform;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Coalesces wake-ups from any thread into at most one run of an action per frame, on the FX
 * thread at the pulse. The timer stops after a frame without wake-ups, so an idle viewer costs
 * no pulses.
 */
final class FrameTicker {
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AnimationTimer timer;

    FrameTicker(Runnable action) {
        timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (pending.getAndSet(false)) {
                    action.run();
                } else {
                    stop();
                }
            }
        };
    }

    /** Runs the action at the next pulse; cheap to call often, from any thread. */
    void wake() {
        if (!pending.getAndSet(true)) {
            Platform.runLater(timer::start);
        }
    }
}
