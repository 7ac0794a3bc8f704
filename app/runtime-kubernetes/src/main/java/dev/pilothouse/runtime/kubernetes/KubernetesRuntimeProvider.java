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
 * listed, so a context added to it appears without a restart.
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

    /** The kubeconfig's contexts, with their namespace (kubernetes.yaml's, else the kubeconfig's, else default). */
    @Override
    public List<Context> contexts(Path dataDir) {
        KubeconfigContexts kc = kubeconfig();
        List<Context> out = new ArrayList<>();
        for (String name : kc.names()) {
            KubeconfigContexts.Context c = kc.context(name);
            String ns = c.namespace() == null || c.namespace().isBlank() ? "default" : c.namespace();
            try {
                String configured = KubernetesSettings.load(dataDir, name).namespace();
                ns = configured == null ? ns : configured;
            } catch (dev.pilothouse.errors.InvalidInputException e) {
                // a bad kubernetes.yaml is reported when the context is used
            }
            out.add(new Context(name, ns, name.equals(kc.current()), c.cluster()));
        }
        return out;
    }

    @Override
    public String accepted(Path dataDir) {
        return "a context of the kubeconfig " + kubeconfigFiles.get();
    }

    /** The kubeconfig as it is now: its contexts, their namespaces, its current context. */
    public KubeconfigContexts kubeconfig() {
        return KubeconfigContexts.load(kubeconfigFiles.get());
    }

    @Override
    public SessionRuntime open(Path dataDir, String context) {
        KubeconfigContexts kc = kubeconfig();
        KubernetesSettings settings = KubernetesSettings.load(dataDir, context);
        return KubernetesRuntime.connect(context, kc.client(context, settings), settings, Clock.systemUTC());
    }
}
