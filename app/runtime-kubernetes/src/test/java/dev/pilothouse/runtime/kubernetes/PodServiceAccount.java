package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.Config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * This JVM as a process in a pod of the fake cluster: the service account's files (token,
 * namespace, the cluster's CA) in {@code dir}, named by fabric8's own system properties, with
 * {@code KUBERNETES_SERVICE_HOST}/{@code _PORT} pointing at the cluster (served over TLS) and no
 * kubeconfig. {@link #close()} puts the properties back.
 */
final class PodServiceAccount implements AutoCloseable {
    static final String TOKEN = "service-account-token-1";

    private final Path dir;
    private final Map<String, String> saved = new HashMap<>();

    PodServiceAccount(FakeCluster cluster, Path dir, String namespace) {
        this.dir = dir;
        URI api = URI.create(cluster.url());
        try {
            Files.writeString(token(), TOKEN);
            Files.writeString(dir.resolve("namespace"), namespace + "\n");
            Files.copy(cluster.caCertificate(), dir.resolve("ca.crt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        set(Config.KUBERNETES_SERVICE_HOST_PROPERTY, api.getHost());
        set(Config.KUBERNETES_SERVICE_PORT_PROPERTY, Integer.toString(api.getPort()));
        set(Config.KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN_FILE_SYSTEM_PROPERTY, token().toString());
        set(Config.KUBERNETES_NAMESPACE_FILE, dir.resolve("namespace").toString());
        set(Config.KUBERNETES_CA_CERTIFICATE_FILE_SYSTEM_PROPERTY, dir.resolve("ca.crt").toString());
        // as in the pod: no kubeconfig (the KUBECONFIG of whoever runs the tests is set aside)
        set(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig().toString());
    }

    Path token() {
        return dir.resolve("token");
    }

    /** Where the kubeconfig would be: nothing is there unless a test writes it. */
    Path kubeconfig() {
        return dir.resolve("no-kubeconfig");
    }

    void set(String key, String value) {
        saved.putIfAbsent(key, System.getProperty(key));
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Override
    public void close() {
        saved.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }
}
