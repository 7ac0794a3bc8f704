package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.SessionRuntime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The runtimes an engine can use, one per context, created on first use: {@code local}, and one
 * Kubernetes runtime per kubeconfig context (KUBECONFIG honoured, several files merged).
 * They come from the runtime providers on the class path ({@link RuntimeProvider#installed()}):
 * the engine knows no runtime implementation, the application's class path chooses them.
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
        List<String> out = new ArrayList<>();
        details().forEach(c -> out.add(c.name()));
        return out;
    }

    /** Every context with its namespace (kubernetes.yaml's, else the kubeconfig's, else default). */
    public List<Engine.ContextInfo> details() {
        List<Engine.ContextInfo> out = new ArrayList<>();
        for (RuntimeProvider p : providers) {
            List<RuntimeProvider.Context> contexts;
            try {
                contexts = p.contexts(dataDir);
            } catch (InvalidInputException e) {
                // a broken kubeconfig leaves local usable; kubeconfigProblem() says what is wrong
                continue;
            }
            for (RuntimeProvider.Context c : contexts) {
                // the first provider to name a context serves it: a kubeconfig's 'local' is hidden behind the local runtime
                if (out.stream().noneMatch(o -> o.name().equals(c.name()))) {
                    out.add(new Engine.ContextInfo(c.name(), c.namespace(), c.current(), c.cluster()));
                }
            }
        }
        return out;
    }

    /**
     * The context used where none is chosen: the first one a provider prefers (the in-cluster
     * context of a server running in a pod), else {@code local}.
     */
    public String defaultContext() {
        for (RuntimeProvider p : providers) {
            String preferred = p.preferredContext(dataDir);
            if (preferred != null) {
                return preferred;
            }
        }
        return RuntimeProvider.LOCAL_CONTEXT;
    }

    /** Why kubeconfig contexts cannot be listed (an unreadable file), or null. */
    public String kubeconfigProblem() {
        try {
            providers.forEach(p -> p.contexts(dataDir));
            return null;
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
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

    /** Opens a context's runtime with the first provider that names it. */
    protected SessionRuntime create(String context) {
        if (providers.isEmpty()) {
            throw new IllegalStateException("no runtime on the class path (pilothouse-runtime-local registers one as "
                    + RuntimeProvider.class.getName() + ")");
        }
        InvalidInputException unreadable = null;
        for (RuntimeProvider p : providers) {
            try {
                if (p.contexts(dataDir).stream().noneMatch(c -> c.name().equals(context))) {
                    continue;
                }
            } catch (InvalidInputException e) {
                unreadable = unreadable != null ? unreadable : e;
                continue;
            }
            return p.open(dataDir, context);
        }
        if (unreadable == null) {
            throw new InvalidInputException("unknown context '" + context + "'; accepted: " + contexts()
                    + " (" + providers.stream().map(p -> p.accepted(dataDir)).collect(Collectors.joining(", or ")) + ")", "context");
        }
        throw unreadable; // a context of an unreadable kubeconfig: why it cannot be read
    }

    /** What the open runtimes keep started ahead of sessions, for people (see {@link SessionRuntime#standby}). */
    public List<String> standby() {
        return open.values().stream().map(SessionRuntime::standby).flatMap(java.util.Optional::stream).toList();
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
