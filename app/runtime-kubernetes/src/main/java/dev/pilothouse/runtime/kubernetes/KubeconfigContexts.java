package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.InvalidInputException;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kubeconfig contexts of this workstation: every file in {@code KUBECONFIG} (or
 * {@code ~/.kube/config}), merged as kubectl merges them (the first file to name a context wins;
 * missing files are skipped). Clients are made by fabric8 from the same files, so exec
 * credential plugins, client certificates and tokens work as fabric8 supports them.
 */
public final class KubeconfigContexts {
    /** A context: its name, the file that defines it, its server and namespace as the kubeconfig says. */
    public record Context(String name, Path file, String cluster, String namespace) {
    }

    private final List<Path> files;
    private final Map<String, Context> contexts;
    private final String current;

    private KubeconfigContexts(List<Path> files, Map<String, Context> contexts, String current) {
        this.files = files;
        this.contexts = contexts;
        this.current = current;
    }

    /** The files fabric8 reads: {@code KUBECONFIG} (or the {@code kubeconfig} system property), else ~/.kube/config. */
    public static List<Path> defaultFiles() {
        return Config.getKubeconfigFilenames().stream().map(Path::of).toList();
    }

    /**
     * Reads the files; a file that exists but cannot be read or parsed is an error naming it, so a
     * broken kubeconfig is never mistaken for an empty one.
     */
    public static KubeconfigContexts load(List<Path> files) {
        Map<String, Context> found = new LinkedHashMap<>();
        String current = null;
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            io.fabric8.kubernetes.api.model.Config parsed;
            try {
                if (!Files.isReadable(f)) {
                    throw new java.io.IOException("permission denied");
                }
                parsed = KubeConfigUtils.parseConfig(f.toFile());
            } catch (Exception e) {
                throw new InvalidInputException("cannot read the kubeconfig " + f + " (" + firstLine(e) + "); fix it, or "
                        + "set KUBECONFIG to the files to use; the context 'local' works without one");
            }
            if (parsed == null) {
                continue;
            }
            if (current == null && parsed.getCurrentContext() != null && !parsed.getCurrentContext().isBlank()) {
                current = parsed.getCurrentContext();
            }
            for (NamedContext c : parsed.getContexts() == null ? List.<NamedContext>of() : parsed.getContexts()) {
                if (c.getName() != null && !found.containsKey(c.getName())) {
                    var ctx = c.getContext();
                    found.put(c.getName(), new Context(c.getName(), f, ctx == null ? null : ctx.getCluster(),
                            ctx == null ? null : ctx.getNamespace()));
                }
            }
        }
        return new KubeconfigContexts(List.copyOf(files), found, current);
    }

    /** Context names, sorted. */
    public List<String> names() {
        return new ArrayList<>(new TreeMap<>(contexts).keySet());
    }

    public Context context(String name) {
        return contexts.get(name);
    }

    /** The kubeconfig's current-context, or null. */
    public String current() {
        return current;
    }

    public List<Path> files() {
        return files;
    }

    /**
     * A client for one context, made by fabric8 from {@link #defaultFiles()} (exec plugins run here), with the
     * runtime's timeouts and retries: 5xx answers and I/O errors are retried with exponential
     * backoff by fabric8 itself.
     */
    public KubernetesClient client(String name, KubernetesSettings st) {
        Context c = contexts.get(name);
        if (c == null) {
            throw new InvalidInputException("unknown kubeconfig context '" + name + "'; contexts in " + files + ": " + names());
        }
        Config config;
        try {
            // fabric8 reads and merges the default files itself, and runs exec plugins; files given
            // explicitly are read from the one that defines the context
            config = files.equals(defaultFiles()) ? Config.autoConfigure(name) : Config.fromKubeconfig(name, c.file().toFile());
        } catch (RuntimeException e) {
            throw new InvalidInputException("cannot use kubeconfig context '" + name + "' from " + c.file() + ": "
                    + firstLine(e));
        }
        return new KubernetesClientBuilder().withConfig(tuned(config, st)).build();
    }

    /** The runtime's timeouts and retries on top of a context's configuration. */
    static Config tuned(Config config, KubernetesSettings st) {
        return new ConfigBuilder(config)
                .withConnectionTimeout((int) st.connectTimeout().toMillis())
                .withRequestTimeout((int) st.requestTimeout().toMillis())
                .withRequestRetryBackoffLimit(st.requestRetries())
                .withRequestRetryBackoffInterval((int) st.requestRetryInterval().toMillis())
                .build();
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
