package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.SessionRuntime;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One context per kubeconfig context (KUBECONFIG honoured, several files merged), each a
 * Kubernetes runtime in that context's cluster. The kubeconfig is read again whenever contexts are
 * listed, so a context added to it appears without a restart. A process in a pod with no
 * kubeconfig (the server deployed by packaging/kubernetes) has one context instead,
 * {@code in-cluster}: its own cluster through the pod's service account ({@link InCluster}).
 */
public final class KubernetesRuntimeProvider implements RuntimeProvider {
    private final Supplier<List<Path>> kubeconfigFiles;

    public KubernetesRuntimeProvider() {
        this(KubeconfigContexts::defaultFiles);
    }

    /** With the kubeconfig files given (tests); the files are read again each time contexts are listed. */
    public KubernetesRuntimeProvider(Supplier<List<Path>> kubeconfigFiles) {
        this.kubeconfigFiles = kubeconfigFiles;
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public int order() {
        return 100;
    }

    /**
     * The kubeconfig's contexts, with their namespace (kubernetes.yaml's, else the kubeconfig's, else
     * default); in a pod with no kubeconfig, the context {@code in-cluster} (the pod's namespace).
     */
    @Override
    public List<Context> contexts(Path dataDir) {
        InCluster pod = inCluster();
        if (pod != null) {
            // not "current": no kubeconfig says so; preferredContext() makes it the default
            return List.of(new Context(InCluster.CONTEXT, namespace(dataDir, InCluster.CONTEXT, pod.namespace()), false,
                    pod.server()));
        }
        KubeconfigContexts kc = kubeconfig();
        List<Context> out = new ArrayList<>();
        for (String name : kc.names()) {
            KubeconfigContexts.Context c = kc.context(name);
            String ns = c.namespace() == null || c.namespace().isBlank() ? "default" : c.namespace();
            out.add(new Context(name, namespace(dataDir, name, ns), name.equals(kc.current()), c.cluster()));
        }
        return out;
    }

    /** kubernetes.yaml's namespace for the context, else {@code fallback}. */
    private static String namespace(Path dataDir, String context, String fallback) {
        try {
            String configured = KubernetesSettings.load(dataDir, context).namespace();
            return configured == null ? fallback : configured;
        } catch (dev.pilothouse.errors.InvalidInputException e) {
            return fallback; // a bad kubernetes.yaml is reported when the context is used
        }
    }

    /** Where new sessions go when nobody chose: the pod's own cluster, for a server running in one. */
    @Override
    public String preferredContext(Path dataDir) {
        return inCluster() != null ? InCluster.CONTEXT : null;
    }

    @Override
    public String accepted(Path dataDir) {
        return inCluster() != null ? "in-cluster (this pod's service account)"
                : "a context of the kubeconfig " + kubeconfigFiles.get();
    }

    /** This pod's cluster, when the process runs in one and has no kubeconfig; else null. */
    private InCluster inCluster() {
        return InCluster.detect(kubeconfigFiles.get());
    }

    /** The kubeconfig as it is now: its contexts, their namespaces, its current context. */
    public KubeconfigContexts kubeconfig() {
        return KubeconfigContexts.load(kubeconfigFiles.get());
    }

    @Override
    public SessionRuntime open(Path dataDir, String context) {
        KubernetesSettings settings = KubernetesSettings.load(dataDir, context);
        InCluster pod = inCluster();
        var client = pod != null && context.equals(InCluster.CONTEXT) ? pod.client(settings)
                : kubeconfig().client(context, settings);
        return KubernetesRuntime.connect(context, client, settings, Clock.systemUTC());
    }
}
