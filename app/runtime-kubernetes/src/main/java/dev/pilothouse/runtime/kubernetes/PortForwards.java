package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The port-forwards to running agents, opened on first use and kept while the pod lives: one
 * local port per agent ({@link PodPortForward}, which opens a stream through the API server per
 * connection), closed when the session stops or its pod is replaced.
 *
 * <p>Streams are opened with a client of their own that does not retry and connects within
 * {@link #CONNECT_TIMEOUT}: the runtime's client backs off and retries for seconds (right for an
 * API call), and a message would sit behind that, three times over, before failing in an outage.
 * {@link PodPortForward} does its own few quick retries and has an overall deadline.
 */
final class PortForwards implements AutoCloseable {
    private record Open(String podUid, PodPortForward forward, int lossesSeen) {
    }

    /** How long connecting to the API server for one stream may take. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final KubernetesClient client;
    private final String context;
    private final java.util.function.Consumer<Throwable> unreachable;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    /**
     * @param unreachable told of a stream that could not be opened because the API server did not
     *                    answer, so the connection check looks at once
     */
    PortForwards(KubernetesClient runtimeClient, String context, Duration connectTimeout,
                 java.util.function.Consumer<Throwable> unreachable) {
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(runtimeClient.getConfiguration())
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout((int) Math.min(connectTimeout.toMillis(), CONNECT_TIMEOUT.toMillis()))
                .build()).build();
        this.context = context;
        this.unreachable = unreachable;
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
            return new Open(podUid, new PodPortForward(client, context, namespace, pod, port, unreachable), 0);
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
        client.close();
    }
}
