package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.session.Session;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * While a command waits for a session to start, says on standard error what the start waits for
 * ({@code starting: pulling image "x" (45 s)}), as {@code sessions show} and the console's start-up row do: on
 * Kubernetes an image pull or a pod waiting to be scheduled can take minutes, and a command that says
 * nothing for that long looks hung. A line when the step changes, and again every {@link #REPEAT} while it
 * does not; nothing at all for a start that is quick or that the runtime cannot describe (the local one).
 */
final class StartNotes implements AutoCloseable {
    static final Duration LOOK_EVERY = Duration.ofSeconds(1);
    static final Duration REPEAT = Duration.ofSeconds(15);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cli-start-notes");
        t.setDaemon(true);
        return t;
    });
    private final Engine engine;
    private final PrintWriter err;
    private final Supplier<String> session;
    private String lastStep;
    private long lastSaidAt;

    /** {@code session}: the session's name or id once known (null until then). */
    private StartNotes(Engine engine, PrintWriter err, Supplier<String> session) {
        this.engine = engine;
        this.err = err;
        this.session = session;
    }

    static StartNotes watch(Engine engine, PrintWriter err, Supplier<String> session) {
        StartNotes notes = new StartNotes(engine, err, session);
        long every = LOOK_EVERY.toMillis();
        notes.timer.scheduleWithFixedDelay(notes::look, every, every, TimeUnit.MILLISECONDS);
        return notes;
    }

    /**
     * Runs {@code make}, which creates a session and starts it, saying what the start waits for once the
     * session is stored (it is told to {@code make}'s argument).
     */
    static Engine.Started whileMaking(Engine engine, PrintWriter err,
                                      java.util.function.Function<java.util.function.Consumer<Session>, Engine.Started> make) {
        java.util.concurrent.atomic.AtomicReference<String> id = new java.util.concurrent.atomic.AtomicReference<>();
        try (StartNotes notes = watch(engine, err, id::get)) {
            return make.apply(created -> id.set(created.id()));
        }
    }

    private void look() {
        String ref = session.get();
        if (ref == null) {
            return;
        }
        String progress;
        try {
            Session s = engine.session(ref);
            progress = engine.startProgress(s);
        } catch (RuntimeException notNow) {
            return; // gone, or the runtime cannot say now: the command itself will report how the start ended
        }
        if (progress == null || progress.isBlank()) {
            return;
        }
        String step = withoutSeconds(progress);
        long now = System.nanoTime();
        if (!step.equals(lastStep) || now - lastSaidAt >= REPEAT.toNanos()) {
            lastStep = step;
            lastSaidAt = now;
            synchronized (err) {
                err.println("starting: " + progress);
                err.flush();
            }
        }
    }

    /** The step without its running count of seconds, which changes on every look. */
    static String withoutSeconds(String progress) {
        return progress.replaceAll(" \\(\\d+ s\\)", "");
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS); // no note may follow the command's own last words
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
