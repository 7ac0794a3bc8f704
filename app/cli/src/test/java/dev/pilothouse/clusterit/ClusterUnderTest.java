package dev.pilothouse.clusterit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.awaitility.core.ConditionFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * The real cluster a {@code *ClusterIT} runs against, as the environment names it
 * (docs/kubernetes.md, "Testing against a real cluster"), seen through a fabric8 client of the
 * test's own, made from the same kubeconfig as the runtime's but not by the runtime: a check
 * made with it does not trust the code under test.
 *
 * <p>A session's objects are read by the names docs/kubernetes.md gives them ({@code
 * pilothouse-<session id>}), with {@code get} only: in a namespace given with
 * {@code PILOTHOUSE_IT_NAMESPACE}, the minimal Role of that document is all the test needs.
 */
final class ClusterUnderTest implements AutoCloseable {
    static final String KUBECONFIG = "PILOTHOUSE_IT_KUBECONFIG";
    static final String CONTEXT = "PILOTHOUSE_IT_CONTEXT";
    static final String NAMESPACE = "PILOTHOUSE_IT_NAMESPACE";
    static final String IMAGE = "PILOTHOUSE_IT_IMAGE";
    static final String TIMEOUT = "PILOTHOUSE_IT_TIMEOUT_SECONDS";
    /** On the namespaces the tests make, so that any left behind are found: {@code kubectl delete ns -l pilothouse.dev/cluster-it}. */
    static final String NAMESPACE_LABEL = "pilothouse.dev/cluster-it";

    final Path kubeconfig;
    final String context;
    final String namespace;
    /** How long anything on the cluster may take: a start (an image pull included), a copy, an object going away. */
    final Duration timeout;
    final KubernetesClient client;
    private final boolean ownNamespace;
    private final List<String> sessionIds = new ArrayList<>();

    private ClusterUnderTest(Path kubeconfig, String context, String namespace, boolean ownNamespace, Duration timeout,
                             KubernetesClient client) {
        this.kubeconfig = kubeconfig;
        this.context = context;
        this.namespace = namespace;
        this.ownNamespace = ownNamespace;
        this.timeout = timeout;
        this.client = client;
    }

    /**
     * Connects to the cluster the environment names, failing at once with what was tried when it
     * cannot be reached, and makes a throwaway namespace unless {@code PILOTHOUSE_IT_NAMESPACE} names one.
     */
    static ClusterUnderTest connect() {
        Path kubeconfig = Path.of(env(KUBECONFIG, "")).toAbsolutePath();
        if (!Files.isReadable(kubeconfig)) {
            fail(KUBECONFIG + "=" + kubeconfig + " is not a readable file");
        }
        Duration timeout = Duration.ofSeconds(positive(TIMEOUT, env(TIMEOUT, "300")));
        String wanted = env(CONTEXT, null);
        Config config;
        try {
            config = Config.fromKubeconfig(wanted, kubeconfig.toFile());
        } catch (RuntimeException e) {
            throw new AssertionError("cannot use " + KUBECONFIG + "=" + kubeconfig + ": " + cause(e), e);
        }
        String context = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
        // fabric8 falls back to the current context for a name it does not find; the CLI would not
        if (wanted != null && !wanted.equals(context)) {
            fail(CONTEXT + "=" + wanted + " is not a context of " + kubeconfig + " (`kubectl --kubeconfig " + kubeconfig
                    + " config get-contexts` lists them)");
        }
        if (context == null) {
            fail(kubeconfig + " has no current-context: set " + CONTEXT);
        }
        // a few quick retries: an unreachable server is reported within seconds, not after fabric8's default back-off
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(config)
                .withConnectionTimeout(10_000).withRequestRetryBackoffLimit(2).withRequestRetryBackoffInterval(250)
                .build()).build();
        try {
            client.getKubernetesVersion();
        } catch (RuntimeException e) {
            client.close();
            throw new AssertionError("cannot reach the API server " + config.getMasterUrl() + " of context '" + context
                    + "' in " + KUBECONFIG + "=" + kubeconfig + ": " + cause(e) + " (does `kubectl --kubeconfig "
                    + kubeconfig + " --context " + context + " get nodes` work?)", e);
        }
        String given = env(NAMESPACE, null);
        boolean own = given == null;
        String namespace = own ? "pilothouse-it-" + UUID.randomUUID().toString().substring(0, 8) : given;
        ClusterUnderTest cluster = new ClusterUnderTest(kubeconfig, context, namespace, own, timeout, client);
        if (own) {
            try {
                cluster.createNamespace();
            } catch (RuntimeException e) {
                cluster.close(); // the test never gets it to close
                throw e;
            }
        }
        return cluster;
    }

    private void createNamespace() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace)
                .addToLabels(NAMESPACE_LABEL, "true").endMetadata().build()).create();
        // the ServiceAccount admission plugin refuses pods until the namespace's default ServiceAccount exists
        eventually().until(() -> client.serviceAccounts().inNamespace(namespace).withName("default").get() != null);
    }

    /** Awaitility within this cluster's timeout, looking twice a second: the API server is not to be hammered. */
    ConditionFactory eventually() {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(500));
    }

    /** Remembers a session, so that its objects are deleted at the end in a namespace the test did not make. */
    void track(String sessionId) {
        sessionIds.add(sessionId);
    }

    /** The session's pod, PVC, Secret and NetworkPolicy share this name (docs/kubernetes.md; session ids are UUIDs). */
    static String objectName(String sessionId) {
        return "pilothouse-" + sessionId;
    }

    Pod pod(String sessionId) {
        return client.pods().inNamespace(namespace).withName(objectName(sessionId)).get();
    }

    /** The pod that copies a parent's volume during a remix. */
    Pod copyPod(String sessionId) {
        return client.pods().inNamespace(namespace).withName(objectName(sessionId) + "-copy").get();
    }

    PersistentVolumeClaim claim(String sessionId) {
        return client.persistentVolumeClaims().inNamespace(namespace).withName(objectName(sessionId)).get();
    }

    Secret secret(String sessionId) {
        return client.secrets().inNamespace(namespace).withName(objectName(sessionId)).get();
    }

    NetworkPolicy policy(String sessionId) {
        return client.network().v1().networkPolicies().inNamespace(namespace).withName(objectName(sessionId)).get();
    }

    /** Which of the session's objects exist now, as "kind/name" (empty once purged). */
    List<String> objects(String sessionId) {
        List<String> found = new ArrayList<>();
        for (Function<String, HasMetadata> kind : List.<Function<String, HasMetadata>>of(this::pod, this::copyPod,
                this::claim, this::secret, this::policy)) {
            HasMetadata o = kind.apply(sessionId);
            if (o != null) {
                found.add(o.getKind() + "/" + o.getMetadata().getName());
            }
        }
        return found;
    }

    /**
     * Removes what the test made, whatever state it stopped in: its namespace (Kubernetes deletes
     * everything in it), or in a namespace it was given, its sessions' objects. Nothing waits for
     * them to go.
     */
    @Override
    public void close() {
        try {
            if (ownNamespace) {
                client.namespaces().withName(namespace).delete();
            } else {
                for (String id : sessionIds) {
                    String name = objectName(id);
                    client.pods().inNamespace(namespace).withName(name + "-copy").delete();
                    client.pods().inNamespace(namespace).withName(name).delete();
                    client.network().v1().networkPolicies().inNamespace(namespace).withName(name).delete();
                    client.secrets().inNamespace(namespace).withName(name).delete();
                    client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
                }
            }
        } finally {
            client.close();
        }
    }

    /** An environment variable, trimmed; {@code fallback} when it is unset or blank. */
    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static long positive(String name, String value) {
        try {
            long n = Long.parseLong(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new AssertionError(name + "=" + value + " is not a whole number of seconds above 0");
    }

    /**
     * What went wrong, from the causes under fabric8's wrapper ("An error has occurred."), each
     * message once: "java.io.IOException: timeout; java.net.SocketException: Socket closed".
     */
    private static String cause(Throwable t) {
        Map<String, String> said = new LinkedHashMap<>();
        for (Throwable c = t.getCause() != null ? t.getCause() : t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            said.putIfAbsent(String.valueOf(c.getMessage()), c.toString());
        }
        return String.join("; ", said.values());
    }
}
