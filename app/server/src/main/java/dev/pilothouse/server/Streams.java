package dev.pilothouse.server;

import dev.pilothouse.engine.ApiTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The long-lived answers open now (watches, log follows, streamed replies), so that they can be
 * ended from outside: when the server stops, and when the token that opened one no longer holds.
 *
 * <p>A token is checked when a request arrives; a stream outlives that check. One thread here
 * re-checks the token of every open stream each {@link #TOKEN_CHECK}: a stream ends within about
 * that long of its token being revoked (from any process on the data dir: tokens live in the store)
 * or expiring. A check reads the token through the store's per-commit cache, so it costs a store
 * read only after a commit, never one per event sent.
 */
final class Streams implements AutoCloseable {
    static final Duration TOKEN_CHECK = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(Streams.class);

    /** Why a stream is ended from outside: {@code code} as the last event's error code. */
    record Ending(String code, String message) {
        static final String SHUTDOWN = "shutdown";

        boolean shutdown() {
            return SHUTDOWN.equals(code);
        }
    }

    private final Map<Consumer<Ending>, String> open = new ConcurrentHashMap<>();
    private final Function<String, ApiTokens.Standing> standing;
    private final Function<String, String> whyRefused;
    /** The token checks and the streams' keep-alives: short tasks, one thread. */
    private final ScheduledExecutorService checker;
    private volatile boolean stopping;

    /**
     * @param standing   where a presented token stands now ({@link ApiTokens#standing})
     * @param whyRefused why it is refused, in words ({@link ApiTokens#whyRefused})
     */
    Streams(Function<String, ApiTokens.Standing> standing, Function<String, String> whyRefused) {
        this.standing = standing;
        this.whyRefused = whyRefused;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "api-streams");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::checkTokens, TOKEN_CHECK.toMillis(), TOKEN_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Registers how to end a stream opened with {@code token} (null: no token to check); the
     * returned action unregisters it. {@code ender} is called at most once.
     */
    Runnable add(String token, Consumer<Ending> ender) {
        Consumer<Ending> once = new Consumer<>() {
            private boolean done;

            @Override
            public synchronized void accept(Ending e) {
                if (!done) {
                    done = true;
                    ender.accept(e);
                }
            }
        };
        open.put(once, token == null ? "" : token);
        if (stopping) {
            once.accept(new Ending(Ending.SHUTDOWN, "the server is stopping"));
        }
        return () -> open.remove(once);
    }

    boolean stopping() {
        return stopping;
    }

    /** Runs {@code task} after {@code first}, then every {@code period}; the returned action stops it. */
    Runnable every(Duration first, Duration period, Runnable task) {
        var f = checker.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.debug("stream upkeep: {}", e.toString()); // a client gone; its stream notices on its own
            }
        }, first.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    void endAll() {
        stopping = true;
        open.keySet().forEach(e -> e.accept(new Ending(Ending.SHUTDOWN, "the server is stopping")));
    }

    private void checkTokens() {
        try {
            Map<String, ApiTokens.Standing> seen = new java.util.HashMap<>();
            open.forEach((ender, token) -> {
                if (token.isEmpty()) {
                    return;
                }
                ApiTokens.Standing s = seen.computeIfAbsent(token, standing);
                if (s != ApiTokens.Standing.VALID) {
                    String code = switch (s) {
                        case REVOKED -> "token_revoked";
                        case EXPIRED -> "token_expired";
                        default -> "unauthorized";
                    };
                    open.remove(ender);
                    ender.accept(new Ending(code, whyRefused.apply(token) + "; this stream is ended"));
                }
            });
        } catch (RuntimeException e) {
            log.warn("checking the tokens of open streams: {}", e.toString()); // the next round tries again
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
