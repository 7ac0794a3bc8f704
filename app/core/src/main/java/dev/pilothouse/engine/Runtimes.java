package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.kubernetes.KubeconfigContexts;
import dev.pilothouse.runtime.kubernetes.KubernetesRuntime;
import dev.pilothouse.runtime.kubernetes.KubernetesSettings;
import dev.pilothouse.runtime.local.LocalRuntime;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The runtimes an engine can use, one per context, created on first use: {@code local}, and one
 * Kubernetes runtime per kubeconfig context (KUBECONFIG honoured, several files merged).
 */
public class Runtimes implements AutoCloseable {
    private final Path dataDir;
    private final Supplier<List<Path>> kubeconfigFiles;
    private final Map<String, SessionRuntime> open = new ConcurrentHashMap<>();
    private volatile Consumer<SessionRuntime> onOpen = r -> {
    };

    public Runtimes(Path dataDir) {
        this(dataDir, KubeconfigContexts::defaultFiles);
    }

    /** With the kubeconfig files given (tests); the files are read again each time contexts are listed. */
    public Runtimes(Path dataDir, Supplier<List<Path>> kubeconfigFiles) {
        this.dataDir = dataDir;
        this.kubeconfigFiles = kubeconfigFiles;
    }

    protected Path dataDir() {
        return dataDir;
    }

    /** The contexts an operator can choose: {@code local} first, then the kubeconfig's, sorted. */
    public List<String> contexts() {
        List<String> out = new ArrayList<>();
        out.add(LocalRuntime.CONTEXT);
        try {
            kubeconfig().names().stream().filter(n -> !n.equals(LocalRuntime.CONTEXT)).forEach(out::add);
        } catch (InvalidInputException e) {
            // a broken kubeconfig leaves local usable; kubeconfigProblem() says what is wrong
        }
        return out;
    }

    /** Every context with its namespace (kubernetes.yaml's, else the kubeconfig's, else default). */
    public List<Engine.ContextInfo> details() {
        List<Engine.ContextInfo> out = new ArrayList<>();
        out.add(new Engine.ContextInfo(LocalRuntime.CONTEXT, "default", false, null));
        KubeconfigContexts kc;
        try {
            kc = kubeconfig();
        } catch (InvalidInputException e) {
            return out;
        }
        for (String name : kc.names()) {
            if (name.equals(LocalRuntime.CONTEXT)) {
                continue;
            }
            KubeconfigContexts.Context c = kc.context(name);
            String ns = c.namespace() == null || c.namespace().isBlank() ? "default" : c.namespace();
            try {
                String configured = KubernetesSettings.load(dataDir, name).namespace();
                ns = configured == null ? ns : configured;
            } catch (InvalidInputException e) {
                // a bad kubernetes.yaml is reported when the context is used
            }
            out.add(new Engine.ContextInfo(name, ns, name.equals(kc.current()), c.cluster()));
        }
        return out;
    }

    /** Why kubeconfig contexts cannot be listed (an unreadable file), or null. */
    public String kubeconfigProblem() {
        try {
            kubeconfig();
            return null;
        } catch (InvalidInputException e) {
            return e.getMessage();
        }
    }

    /** The kubeconfig as it is now: its contexts, their namespaces, its current context. */
    public KubeconfigContexts kubeconfig() {
        return KubeconfigContexts.load(kubeconfigFiles.get());
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

    /** The local runtime, always available. */
    public LocalRuntime local() {
        return (LocalRuntime) runtime(LocalRuntime.CONTEXT);
    }

    protected SessionRuntime create(String context) {
        if (context.equals(LocalRuntime.CONTEXT)) {
            return new LocalRuntime(dataDir);
        }
        KubeconfigContexts kc = kubeconfig();
        if (kc.context(context) == null) {
            throw new InvalidInputException("unknown context '" + context + "'; accepted: " + contexts()
                    + " (local, or a context of the kubeconfig " + kc.files() + ")");
        }
        KubernetesSettings settings = KubernetesSettings.load(dataDir, context);
        return KubernetesRuntime.connect(context, kc.client(context, settings), settings, Clock.systemUTC());
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
