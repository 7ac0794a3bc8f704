package dev.pilothouse.server;

import dev.pilothouse.errors.PilothouseException;
import io.javalin.http.Context;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Engine work a request waits for (a reply, a start with {@code ?wait=ready}), run off the
 * request's thread. A server whose grace period ran out ends the waits, and so the answers, but
 * never the work: an interrupted reply or start would otherwise be recorded, and agents restarted,
 * by an engine that is stopping. What is unfinished is settled by the next engine on the data dir.
 */
final class Awaited {
    private static final String KEY = "pilothouse.awaited";

    private final ExecutorService work;
    private final Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();
    private volatile String ended;

    Awaited(ExecutorService work) {
        this.work = work;
    }

    /** Makes this the one {@link #of} finds for the request. */
    void attach(Context ctx) {
        ctx.attribute(KEY, this);
    }

    static Awaited of(Context ctx) {
        return ctx.attribute(KEY);
    }

    void execute(Runnable task) {
        work.execute(task);
    }

    /** Runs {@code task} on the engine's side and waits for it (or for the server to end the wait). */
    <T> T call(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        work.execute(() -> {
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return await(f);
    }

    /** Waits for {@code f}; a 503 naming why when the server ends the wait first. */
    <T> T await(CompletableFuture<T> f) {
        open.add(f);
        try {
            String why = ended;
            if (why != null) {
                f.completeExceptionally(unavailable(why));
            }
            return join(f);
        } finally {
            open.remove(f);
        }
    }

    /** Ends every wait (the work goes on); how many there were. */
    int endAll(String why) {
        ended = why;
        int n = 0;
        for (CompletableFuture<?> f : open) {
            n += f.completeExceptionally(unavailable(why)) ? 1 : 0;
        }
        return n;
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException | CompletionException x) {
            Throwable c = x.getCause();
            if (c instanceof PilothouseException pe) {
                throw pe;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw unavailable("the server is stopping; the request was not finished");
        }
    }

    static ApiException unavailable(String why) {
        return new ApiException(503, "unavailable", why, null);
    }
}
