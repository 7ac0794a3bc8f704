package dev.pilothouse.runtime.kubernetes;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The port-forwards to running agents, opened on first use and kept while the pod lives: one
 * local port per agent, closed when the session stops or its pod is replaced.
 */
final class PortForwards implements AutoCloseable {
    private record Open(String podUid, Forwarder.Forward forward) {
    }

    private final Forwarder forwarder;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    PortForwards(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    /** The local port reaching {@code agent}'s port in the session's current pod (by uid). */
    int localPort(String sessionId, String agent, String namespace, String pod, String podUid, int port) {
        String key = sessionId + "/" + agent;
        Open o = open.compute(key, (k, cur) -> {
            if (cur != null && cur.podUid().equals(podUid) && cur.forward().alive()) {
                return cur;
            }
            if (cur != null) {
                cur.forward().close();
            }
            return new Open(podUid, forwarder.open(namespace, pod, port));
        });
        return o.forward().localPort();
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
