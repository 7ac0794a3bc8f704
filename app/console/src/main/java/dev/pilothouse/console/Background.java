package dev.pilothouse.console;

import javafx.application.Platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where the console does anything that may wait: every engine call. The FX thread only
 * schedules work here and gets the result back on itself.
 */
public final class Background implements AutoCloseable {
    private final ExecutorService pool;
    private final AtomicInteger running = new AtomicInteger();
    private final Consumer<Integer> busyListener;
    private final ExecutorService lane;

    /** @param busyListener told (on the FX thread) how many tasks are running, for a progress indicator */
    public Background(Consumer<Integer> busyListener) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "console-work-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.busyListener = busyListener;
        this.lane = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "console-lane");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code work} off the FX thread; {@code onDone}/{@code onError} run on the FX thread. */
    public <T> CompletableFuture<T> run(Supplier<T> work, Consumer<T> onDone, Consumer<Throwable> onError) {
        return run(pool, work, onDone, onError);
    }

    /** As {@link #run}, one task at a time, in the order asked. */
    public <T> CompletableFuture<T> runInOrder(Supplier<T> work, Consumer<T> onDone, Consumer<Throwable> onError) {
        return run(lane, work, onDone, onError);
    }

    /**
     * Asks {@code work} off the FX thread without showing the console busy (a poll every second
     * would make it flicker); {@code onDone} gets the answer on the FX thread, or null when the
     * work failed or the console is closing.
     */
    public <T> void poll(Supplier<T> work, Consumer<T> onDone) {
        try {
            CompletableFuture.supplyAsync(work, pool).whenComplete((value, error) -> Platform.runLater(
                    () -> onDone.accept(error == null ? value : null)));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            Platform.runLater(() -> onDone.accept(null));
        }
    }

    private <T> CompletableFuture<T> run(ExecutorService on, Supplier<T> work, Consumer<T> onDone, Consumer<Throwable> onError) {
        changed(running.incrementAndGet());
        CompletableFuture<T> f;
        try {
            f = CompletableFuture.supplyAsync(work, on);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the console is closing: the work is dropped (a window's timer may still ask)
            changed(running.decrementAndGet());
            return CompletableFuture.failedFuture(closing);
        }
        f.whenComplete((value, error) -> Platform.runLater(() -> {
            changed(running.decrementAndGet());
            if (error == null) {
                onDone.accept(value);
            } else {
                onError.accept(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            }
        }));
        return f;
    }

    private void changed(int count) {
        if (Platform.isFxApplicationThread()) {
            busyListener.accept(count);
        } else {
            Platform.runLater(() -> busyListener.accept(count));
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        lane.shutdownNow();
    }
}
