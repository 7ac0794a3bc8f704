package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.AgentUsage;
import dev.pilothouse.runtime.SessionUsage;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A session pod's CPU and memory from the cluster's resource metrics API ({@code metrics.k8s.io},
 * served by metrics-server), per agent container. Without that API — not installed, or not
 * permitted — the figures are "not available" with the reason, never an error; the answer is
 * remembered for a minute, so a cluster without it is not asked for every session every 5 s.
 */
final class PodUsage {
    private static final Duration REMEMBER_MISSING = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final Clock clock;
    private volatile String missing;
    private volatile Instant missingSince = Instant.MIN;

    PodUsage(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    SessionUsage of(String namespace, String pod, List<String> agents) {
        String known = missing;
        if (known != null && clock.instant().isBefore(missingSince.plus(REMEMBER_MISSING))) {
            return unavailable(agents, known);
        }
        PodMetrics m;
        try {
            m = client.top().pods().metrics(namespace, pod);
        } catch (KubernetesClientException e) {
            String why = reason(e);
            boolean podNotScraped = e.getCode() == 404 && why.contains("for this pod");
            if (!podNotScraped && (e.getCode() == 404 || e.getCode() == 403 || e.getCode() == 503)) {
                missing = why;
                missingSince = clock.instant();
            }
            return unavailable(agents, why);
        }
        missing = null;
        Map<String, ContainerMetrics> byName = m.getContainers() == null ? Map.of()
                : m.getContainers().stream().collect(Collectors.toMap(ContainerMetrics::getName, c -> c, (a, b) -> a));
        return new SessionUsage(agents.stream().map(a -> {
            ContainerMetrics c = byName.get(a);
            if (c == null || c.getUsage() == null) {
                return AgentUsage.unavailable(a, "not available: metrics.k8s.io has no figures for container '" + a + "' yet");
            }
            Quantity cpu = c.getUsage().get("cpu");
            Quantity mem = c.getUsage().get("memory");
            return new AgentUsage(a, null, cpu == null ? null : cpu.getNumericalAmount().doubleValue(),
                    mem == null ? null : mem.getNumericalAmount().longValue(), null);
        }).toList(), null, null, null);
    }

    /** Why the metrics API gave nothing, as an operator can act on it. */
    static String reason(KubernetesClientException e) {
        return switch (e.getCode()) {
            // metrics-server's own 404 names the object; the API server's, for a group it does not serve, does not
            case 404 -> e.getMessage() != null && e.getMessage().contains("podmetrics.metrics.k8s.io")
                    ? "not available: metrics.k8s.io has no figures for this pod yet (metrics-server scrapes every 15-60 s)"
                    : "not available: the cluster does not serve metrics.k8s.io (install metrics-server)";
            case 403 -> "not available: forbidden to get pods.metrics.k8s.io (grant get on pods in API group metrics.k8s.io)";
            case 503 -> "not available: metrics.k8s.io is registered but its server does not answer (503)";
            default -> "not available: metrics.k8s.io answered " + (e.getCode() == 0 ? e.getMessage() : e.getCode() + " " + e.getStatus().getMessage());
        };
    }

    private static SessionUsage unavailable(List<String> agents, String why) {
        return new SessionUsage(agents.stream().map(a -> AgentUsage.unavailable(a, why)).toList(), null, null, why);
    }
}
