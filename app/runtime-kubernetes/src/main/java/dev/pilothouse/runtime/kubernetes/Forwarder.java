package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Opens a loopback port that reaches a pod's port. The runtime uses fabric8's
 * {@link LocalPortForward} through the API server, so agents are reachable from any workstation
 * with a kubeconfig and no ingress to the pod is ever needed.
 */
public interface Forwarder {
    /** An open forward: connections to {@code 127.0.0.1:localPort()} reach the pod's port. */
    interface Forward extends AutoCloseable {
        int localPort();

        boolean alive();

        @Override
        void close();
    }

    Forward open(String namespace, String pod, int port);

    /** Through the API server's port-forward subresource (websocket), bound to loopback only. */
    static Forwarder portForward(KubernetesClient client) {
        return (namespace, pod, port) -> {
            LocalPortForward f = client.pods().inNamespace(namespace).withName(pod)
                    .portForward(port, InetAddress.getLoopbackAddress(), 0);
            return new Forward() {
                @Override
                public int localPort() {
                    return f.getLocalPort();
                }

                @Override
                public boolean alive() {
                    return f.isAlive();
                }

                @Override
                public void close() {
                    try {
                        f.close();
                    } catch (IOException e) {
                        // the listener is gone either way
                    }
                }
            };
        };
    }
}
