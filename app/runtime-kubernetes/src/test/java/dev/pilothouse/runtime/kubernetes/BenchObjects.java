package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Map;

/**
 * Writes a session's objects straight to the API as Pilothouse would have made them (PVC with the
 * spec annotations, pod already Running and ready), for the benchmark's 5,000 sessions.
 */
public final class BenchObjects {
    private BenchObjects() {
    }

    public static void write(KubernetesClient client, Session s, List<AgentDefinition> agents, KubernetesSettings st) {
        Map<String, String> spec = SessionSpec.annotations(s, agents);
        client.persistentVolumeClaims().inNamespace(s.namespace())
                .resource(WorkspaceClaim.build(s.id(), s.namespace(), s.resources().storage(), spec, null, st)).create();
        Pod pod = AgentPod.build(s, agents, Map.of(agents.get(0).name(), "token-" + s.id()), st);
        pod.setStatus(new PodStatusBuilder().withPhase("Running")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("True").build(),
                        new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .withContainerStatuses(agents.stream().map(a -> new ContainerStatusBuilder().withName(a.name())
                        .withReady(true).withRestartCount(0).withNewState().withNewRunning()
                        .withStartedAt(s.createdAt().toString()).endRunning().endState().build()).toList())
                .build());
        client.pods().inNamespace(s.namespace()).resource(pod).create();
    }

    /** Whether the API keeps the status given at creation (the mock does); else it must be patched. */
    public static boolean statusKept(KubernetesClient client, Session s) {
        Pod p = client.pods().inNamespace(s.namespace()).withName(ObjectNames.of(s.id())).get();
        return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
    }
}
