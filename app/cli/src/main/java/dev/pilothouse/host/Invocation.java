package dev.pilothouse.host;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One CLI command as the engine runs it for a client: its arguments, the client's working
 * directory (relative file names are the client's), its stdin and outputs, and what to do if the
 * client goes away (a follow stops; a create or a send finishes and is stored regardless).
 */
public final class Invocation {
    private final List<String> args;
    private final Path cwd;
    private final InputStream stdin;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    public Invocation(List<String> args, Path cwd, InputStream stdin, PrintWriter out, PrintWriter err) {
        this.args = List.copyOf(args);
        this.cwd = cwd;
        this.stdin = stdin;
        this.out = out;
        this.err = err;
    }

    public List<String> args() {
        return args;
    }

    public Path cwd() {
        return cwd;
    }

    public InputStream stdin() {
        return stdin;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    /** Runs {@code r} when the client goes away (at once if it has already). */
    public void onCancel(Runnable r) {
        onCancel.add(r);
        if (cancelled) {
            r.run();
        }
    }

    public boolean cancelled() {
        return cancelled;
    }

    void cancel() {
        cancelled = true;
        onCancel.forEach(Runnable::run);
    }
}
