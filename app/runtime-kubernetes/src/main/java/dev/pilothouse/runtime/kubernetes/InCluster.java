package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Utils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cluster a process runs in, through its pod's service account: the context {@code in-cluster}
 * of {@code pilothouse serve} deployed in a namespace (packaging/kubernetes). Found as fabric8
 * finds it, from the same system properties and variables: {@code KUBERNETES_SERVICE_HOST} set and
 * the service account's token file present ({@code kubernetes.auth.serviceAccount.token}, else
 * {@code /var/run/secrets/kubernetes.io/serviceaccount/token}); the namespace is the pod's
 * ({@code kubenamespace}, else the {@code namespace} file beside the token).
 *
 * @param server    the API server, for people: {@code https://host:port}
 * @param namespace the pod's namespace, or "default" when its file cannot be read
 */
record InCluster(String server, String namespace) {
    static final String CONTEXT = "in-cluster";

    /**
     * This pod's cluster, when there is one and no kubeconfig: fabric8 configures itself from the
     * service account only when none of the kubeconfig files exists, so neither does this.
     */
    static InCluster detect(List<Path> kubeconfigFiles) {
        String host = Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_SERVICE_HOST_PROPERTY);
        if (host == null || host.isBlank() || kubeconfigFiles.stream().anyMatch(Files::isRegularFile)) {
            return null;
        }
        Path token = Path.of(Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN_FILE_SYSTEM_PROPERTY,
                Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH));
        if (!Files.isRegularFile(token)) {
            return null;
        }
        String port = Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_SERVICE_PORT_PROPERTY, "443");
        String hostPort = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        return new InCluster("https://" + hostPort, podNamespace());
    }

    private static String podNamespace() {
        Path file = Path.of(Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_NAMESPACE_FILE, Config.KUBERNETES_NAMESPACE_PATH));
        try {
            String ns = Files.readString(file, StandardCharsets.UTF_8).strip();
            return ns.isEmpty() ? "default" : ns;
        } catch (IOException e) {
            return "default";
        }
    }

    /**
     * A client by fabric8's own in-cluster configuration: the service account's token (read again
     * when the API server refuses it, as the kubelet rotates it), its CA, the pod's namespace.
     */
    KubernetesClient client(KubernetesSettings st) {
        return new KubernetesClientBuilder().withConfig(KubeconfigContexts.tuned(Config.autoConfigure(null), st)).build();
    }
}
