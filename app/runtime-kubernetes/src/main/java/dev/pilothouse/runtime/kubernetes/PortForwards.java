package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The port-forwards to running agents, opened on first use and kept while the pod lives: one
 * local port per agent ({@link PodPortForward}, which opens a stream through the API server per
 * connection), closed when the session stops or its pod is replaced.
 */
final class PortForwards implements AutoCloseable {
    private record Open(String podUid, PodPortForward forward, int lossesSeen) {
    }

    private final KubernetesClient client;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    PortForwards(KubernetesClient client) {
        this.client = client;
    }

    /** The local port reaching {@code agent}'s port in the session's current pod (by uid). */
    int localPort(String sessionId, String agent, String namespace, String pod, String podUid, int port) {
        String key = sessionId + "/" + agent;
        Open o = open.compute(key, (k, cur) -> {
            if (cur != null && cur.podUid().equals(podUid) && cur.forward().alive()
                    && cur.forward().losses() == cur.lossesSeen()) {
                return cur;
            }
            if (cur != null && cur.podUid().equals(podUid) && cur.forward().alive()) {
                // a stream died under an idle pooled connection: new requests go to a new port, so no
                // client picks that dead connection; requests still running on the old one finish there
                cur.forward().retire();
            } else if (cur != null) {
                cur.forward().close();
            }
            return new Open(podUid, new PodPortForward(client, namespace, pod, port), 0);
        });
        return o.forward().localPort();
    }

    /** The last stream to the agent that ended under a connection using it, if any. */
    Optional<PodPortForward.Loss> lastLoss(String sessionId, String agent) {
        Open o = open.get(sessionId + "/" + agent);
        return o == null ? Optional.empty() : Optional.ofNullable(o.forward().lastLoss());
    }

    void close(String sessionId) {
        open.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(sessionId + "/")) {
                e.getValue().forward().close();
                return true;
            }
            return false;
        });
    }

    int count() {
        return open.size();
    }

    @Override
    public void close() {
        open.values().forEach(o -> o.forward().close());
        open.clear();
    }
}
