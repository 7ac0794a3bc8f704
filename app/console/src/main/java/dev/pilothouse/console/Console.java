package dev.pilothouse.console;

import dev.pilothouse.console.main.SessionListModel;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.errors.PilothouseException;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every part of the console window shares: the engine (only ever called off the FX
 * thread, through {@link #run}), the session list, navigation, and where messages are shown.
 */
public final class Console {
    private final EngineOperations engine;
    private final Background background;
    private final SessionListModel sessions;
    private final Consumer<String> select;
    private final Notifier notifier;
    private final WorkMonitor work;

    /** Messages from work that ended away from the pane: errors and finished long work. */
    public interface Notifier {
        void error(String message);

        void info(String message);
    }

    public Console(EngineOperations engine, Background background, SessionListModel sessions, Consumer<String> select,
                   Notifier notifier) {
        this(engine, background, sessions, select, notifier, null);
    }

    public Console(EngineOperations engine, Background background, SessionListModel sessions, Consumer<String> select,
                   Notifier notifier, WorkMonitor work) {
        this.work = work;
        this.engine = engine;
        this.background = background;
        this.sessions = sessions;
        this.select = select;
        this.notifier = notifier;
    }

    /**
     * The engine, for work that runs off the FX thread (inside {@link #run}). Asked for on the FX
     * thread it is refused: the window would freeze while the engine waits on disk or a cluster.
     * The refusal is recorded, so a test that drove such a path fails even when the exception
     * ended in the FX thread's handler.
     */
    public EngineOperations engine() {
        if (javafx.application.Platform.isFxApplicationThread()) {
            IllegalStateException e = new IllegalStateException("the engine was called on the FX thread");
            FX_THREAD_CALLS.add(e);
            LoggerFactory.getLogger(Console.class).error("engine called on the FX thread", e);
            throw e;
        }
        return engine;
    }

    /** Every refused engine call on the FX thread since the JVM started (tests assert there are none). */
    public static final java.util.List<Throwable> FX_THREAD_CALLS = new java.util.concurrent.CopyOnWriteArrayList<>();

    public SessionListModel sessions() {
        return sessions;
    }

    /** Selects a session in the table (and shows it in the detail pane). */
    public void select(String sessionId) {
        select.accept(sessionId);
    }

    public Notifier notifier() {
        return notifier;
    }

    /** Shows a piece of long work with its progress until it ends. */
    public WorkMonitor.Job startWork(String title) {
        return work == null ? WorkMonitor.detached(title) : work.start(title);
    }

    /**
     * Runs engine work off the FX thread; {@code onDone} runs on the FX thread. A failure is shown
     * in the banner, prefixed with {@code what} ("pause 'q4'").
     */
    public <T> void run(String what, Supplier<T> work, Consumer<T> onDone) {
        background.run(work, onDone, e -> notifier.error(message(what, e)));
    }

    /** Like {@link #run}, without the busy indicator and without error reports: for polls. */
    public <T> void poll(Supplier<T> work, Consumer<T> onDone) {
        background.poll(work, onDone);
    }

    /**
     * Like {@link #run}, but in one lane: lane work runs one at a time in the order asked, so a
     * later request (a context switch) always finishes after an earlier one.
     */
    public <T> void runInOrder(Supplier<T> work, Consumer<T> onDone, Consumer<String> onError) {
        background.runInOrder(work, onDone, e -> onError.accept(message(null, e)));
    }

    /** Like {@link #run}, but the failure goes to {@code onError} (an inline message in a dialog). */
    public <T> void run(Supplier<T> work, Consumer<T> onDone, Consumer<String> onError) {
        background.run(work, onDone, e -> onError.accept(message(null, e)));
    }

    public static String message(String what, Throwable e) {
        String text = e instanceof PilothouseException ? e.getMessage()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return what == null ? text : "Could not " + what + ": " + text;
    }
}
