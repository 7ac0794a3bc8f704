package dev.pilothouse.console.logs;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The daemon threads that scan and save logs, so the FX thread never does either. */
final class Background {
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "log-viewer-worker");
        t.setDaemon(true);
        return t;
    });

    private Background() {
    }
}
