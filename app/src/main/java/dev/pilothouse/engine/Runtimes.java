package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.local.LocalRuntime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The runtimes an engine can use, one per context, created on first use. */
public class Runtimes implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, SessionRuntime> open = new ConcurrentHashMap<>();
    private volatile Consumer<SessionRuntime> onOpen = r -> {
    };

    public Runtimes(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** The contexts an operator can choose: {@code local} first. */
    public List<String> contexts() {
        return List.of(LocalRuntime.CONTEXT);
    }

    public SessionRuntime runtime(String context) {
        return open.computeIfAbsent(context, c -> {
            SessionRuntime r = create(c);
            onOpen.accept(r);
            return r;
        });
    }

    /** The local runtime, always available. */
    public LocalRuntime local() {
        return (LocalRuntime) runtime(LocalRuntime.CONTEXT);
    }

    protected SessionRuntime create(String context) {
        if (context.equals(LocalRuntime.CONTEXT)) {
            return new LocalRuntime(dataDir);
        }
        throw new InvalidInputException("unknown context '" + context + "'; known contexts: " + contexts());
    }

    void onOpen(Consumer<SessionRuntime> listener) {
        this.onOpen = listener;
        open.values().forEach(listener);
    }

    @Override
    public void close() {
        open.values().forEach(SessionRuntime::close);
        open.clear();
    }
}
