package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.session.Session;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A short-lived pod that mounts a paused session's PVC read-only at the workspace path, so that
 * the workspace browser can exec into it. Hardened as the copy pod is; it only sleeps, and its
 * {@code activeDeadlineSeconds} ends it even when the console that made it is gone.
 */
final class InspectorPod {
    static final String CONTAINER = "inspect";
    /** How long an inspector may live: a browser left open longer gets a new one. */
    static final Duration LIFETIME = Duration.ofMinutes(15);

    private InspectorPod() {
    }

    /**
     * @param node the node the volume is attached to or was provisioned on, if known: a
     *             ReadWriteOnce volume can be mounted by a second pod only there
     */
    static Pod build(Session s, String name, String node, KubernetesSettings st) {
        Map<String, Quantity> amounts = Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi"));
        var spec = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(s.namespace())
                .withLabels(ObjectNames.labels(s.id(), ObjectNames.ROLE_INSPECTOR))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withActiveDeadlineSeconds(LIFETIME.toSeconds())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                // nothing to finish: it only sleeps, and writes nothing
                .withTerminationGracePeriodSeconds(0L)
                .withSecurityContext(AgentPod.podSecurity(st))
                .addNewVolume().withName(AgentPod.WORKSPACE_VOLUME)
                .withNewPersistentVolumeClaim(ObjectNames.of(s.id()), true).endVolume()
                .addNewContainer()
                .withName(CONTAINER)
                .withImage(st.copyImage())
                .withImagePullPolicy("IfNotPresent")
                .withCommand(List.of("sleep", Long.toString(LIFETIME.toSeconds())))
                .withWorkingDir(st.workspacePath())
                .withNewResources().withRequests(amounts).withLimits(amounts).endResources()
                .withSecurityContext(AgentPod.containerSecurity())
                .addNewVolumeMount().withName(AgentPod.WORKSPACE_VOLUME).withMountPath(st.workspacePath())
                .withReadOnly(true).endVolumeMount()
                .endContainer();
        if (node != null) {
            spec.withAffinity(AgentPod.onNode(node));
        }
        return spec.endSpec().build();
    }
}
