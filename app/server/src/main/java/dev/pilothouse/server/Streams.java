package dev.pilothouse.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The long-lived answers (watches, log follows) open now, so that a stopping server can end them. */
final class Streams {
    private final Set<Runnable> enders = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** Registers how to end a stream; the returned action unregisters it. */
    Runnable add(Runnable ender) {
        enders.add(ender);
        if (stopping) {
            ender.run();
        }
        return () -> enders.remove(ender);
    }

    boolean stopping() {
        return stopping;
    }

    void endAll() {
        stopping = true;
        enders.forEach(Runnable::run);
    }
}
