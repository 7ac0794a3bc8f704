package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.SessionRuntime;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The runtimes an engine can use, one per context, created on first use, from the runtime
 * providers on the class path ({@link RuntimeProvider#installed()}): {@code local}, and with the
 * Kubernetes runtime one context per kubeconfig context (KUBECONFIG honoured, several files merged).
 * The engine knows no runtime implementation: the application's class path chooses them.
 */
public class Runtimes implements AutoCloseable {
    private final Path dataDir;
    private final List<RuntimeProvider> providers;
    private final Map<String, SessionRuntime> open = new ConcurrentHashMap<>();
    private volatile Consumer<SessionRuntime> onOpen = r -> {
    };

    public Runtimes(Path dataDir) {
        this(dataDir, RuntimeProvider.installed());
    }

    /** With the providers given (tests); their contexts are read again each time contexts are listed. */
    public Runtimes(Path dataDir, List<RuntimeProvider> providers) {
        this.dataDir = dataDir;
        this.providers = providers.stream().sorted(Comparator.comparingInt(RuntimeProvider::order)).toList();
    }

    protected Path dataDir() {
        return dataDir;
    }

    /** The contexts an operator can choose: {@code local} first, then the kubeconfig's, sorted. */
    public List<String> contexts() {
        return details().stream().map(Engine.ContextInfo::name).toList();
    }

    /** Every context with its namespace (kubernetes.yaml's, else the kubeconfig's, else default). */
    public List<Engine.ContextInfo> details() {
        Map<String, Engine.ContextInfo> out = new LinkedHashMap<>();
        for (RuntimeProvider p : providers) {
            try {
                for (RuntimeProvider.Context c : p.contexts(dataDir)) {
                    // the first provider to name a context serves it
                    out.putIfAbsent(c.name(), new Engine.ContextInfo(c.name(), c.namespace(), c.current(), c.cluster()));
                }
            } catch (InvalidInputException e) {
                // a broken kubeconfig leaves local usable; kubeconfigProblem() says what is wrong
            }
        }
        return List.copyOf(out.values());
    }

    /** Why some contexts cannot be listed (an unreadable kubeconfig), or null. */
    public String kubeconfigProblem() {
        for (RuntimeProvider p : providers) {
            try {
                p.contexts(dataDir);
            } catch (InvalidInputException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    public SessionRuntime runtime(String context) {
        SessionRuntime r = open.get(context);
        if (r != null) {
            return r;
        }
        // created outside computeIfAbsent: connecting to a cluster is slow I/O
        SessionRuntime created = create(context);
        SessionRuntime raced = open.putIfAbsent(context, created);
        if (raced != null) {
            created.close();
            return raced;
        }
        onOpen.accept(created);
        return created;
    }

    /** The runtime of a context if it is open already; never connects. */
    public SessionRuntime opened(String context) {
        return open.get(context);
    }

    protected SessionRuntime create(String context) {
        if (providers.isEmpty()) {
            throw new IllegalStateException("no runtime on the class path: an application needs pilothouse-runtime-local "
                    + "(and pilothouse-runtime-kubernetes for clusters), registered as " + RuntimeProvider.class.getName());
        }
        RuntimeProvider serving = null;
        InvalidInputException unreadable = null;
        for (RuntimeProvider p : providers) {
            try {
                if (p.contexts(dataDir).stream().anyMatch(c -> c.name().equals(context))) {
                    serving = p;
                    break;
                }
            } catch (InvalidInputException e) {
                unreadable = unreadable != null ? unreadable : e;
            }
        }
        if (serving != null) {
            return serving.open(dataDir, context);
        }
        if (unreadable != null) {
            throw unreadable;
        }
        throw new InvalidInputException("unknown context '" + context + "'; accepted: " + contexts()
                + " (" + providers.stream().map(p -> p.accepted(dataDir)).collect(Collectors.joining(", or ")) + ")");
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
