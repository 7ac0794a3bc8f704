package dev.pilothouse.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * picocli's model of every command, built ahead for the next command an engine runs for a client.
 * Building it (reflection over ~50 command classes) was two thirds of the engine's own time for a
 * short command, ~10 ms warm; a model serves one command only, since it holds that command's
 * options, so one is kept ready and the next built on a thread of its own after each is taken.
 */
final class SpareModel {
    /** The next model: built, or being built (a command that comes meanwhile waits for it rather than build a second). */
    private static final AtomicReference<CompletableFuture<CommandLine>> SPARE = new AtomicReference<>();
    private static final ExecutorService BUILDER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cli-model");
        t.setDaemon(true);
        return t;
    });

    private SpareModel() {
    }

    /** A model no command has used, writing to {@code out} and {@code err}. */
    static CommandLine take(PrintWriter out, PrintWriter err) {
        CompletableFuture<CommandLine> next = SPARE.getAndSet(null);
        prepare();
        CommandLine cl = null;
        if (next != null) {
            try {
                cl = next.join();
            } catch (CompletionException | CancellationException e) {
                // left null: built here instead, where its failure is the command's
            }
        }
        if (cl == null) {
            return Cli.commandLine(out, err);
        }
        cl.setOut(out); // the whole tree's, as it is now
        cl.setErr(err);
        return cl;
    }

    /** Starts building the next model unless one is ready or on its way. */
    static void prepare() {
        if (SPARE.get() != null) {
            return;
        }
        CompletableFuture<CommandLine> next = new CompletableFuture<>();
        if (SPARE.compareAndSet(null, next)) {
            BUILDER.execute(() -> {
                try {
                    PrintWriter none = new PrintWriter(Writer.nullWriter());
                    next.complete(Cli.commandLine(none, none));
                } catch (RuntimeException | Error e) {
                    next.completeExceptionally(e);
                }
            });
        }
    }
}
