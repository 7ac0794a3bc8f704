package dev.pilothouse.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A kind of runtime the engine can use: it names its contexts and opens the runtime of each.
 * The engine core knows no implementation; each runtime module registers its provider in
 * {@code META-INF/services/dev.pilothouse.runtime.RuntimeProvider}, and an application has the
 * runtimes whose modules are on its class path ({@link #installed()}): the launcher, the console
 * and the CLI have the local and the Kubernetes runtime.
 *
 * <p>Implementations need a public no-argument constructor.
 */
public interface RuntimeProvider {
    /** The context every engine starts in: the local runtime's, on this machine. */
    String LOCAL_CONTEXT = "local";

    /** What it runs sessions on, for messages: {@code local}, {@code kubernetes}. */
    String kind();

    /**
     * Where its contexts go in the list an operator chooses from: lower first. When two providers
     * name the same context the first one serves it (a kubeconfig context named {@code local}
     * is hidden behind the local runtime).
     */
    int order();

    /**
     * Its contexts on this data dir as they are now (read again on every call: a kubeconfig may
     * have changed), with their default namespaces.
     *
     * @throws dev.pilothouse.errors.InvalidInputException when they cannot be listed (an unreadable
     *                                                     kubeconfig), saying why
     */
    List<Context> contexts(Path dataDir);

    /**
     * One of its contexts that should be used instead of {@link #LOCAL_CONTEXT} where nothing else
     * is chosen, or null (the default): a server running in a pod works in its own cluster.
     */
    default String preferredContext(Path dataDir) {
        return null;
    }

    /** What its contexts are, for the error about an unknown one: "local", "a context of the kubeconfig [...]". */
    String accepted(Path dataDir);

    /** Opens the runtime of one of its contexts; may be slow (it may connect to a cluster). */
    SessionRuntime open(Path dataDir, String context);

    /**
     * A context a provider offers.
     *
     * @param current whether its own configuration marks it current (a kubeconfig's current-context)
     * @param cluster where it runs sessions (a cluster's name), or null
     */
    record Context(String name, String namespace, boolean current, String cluster) {
    }

    /** The providers on the class path, in {@link #order()}. */
    static List<RuntimeProvider> installed() {
        List<RuntimeProvider> out = new ArrayList<>();
        ServiceLoader.load(RuntimeProvider.class, RuntimeProvider.class.getClassLoader()).forEach(out::add);
        out.sort(Comparator.comparingInt(RuntimeProvider::order));
        return out;
    }
}
