package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pod of a session: one container per agent, all mounting the session's PVC at the
 * workspace path, hardened, and bounded in time by {@code activeDeadlineSeconds} so the TTL holds
 * even while no console runs.
 */
final class AgentPod {
    static final String WORKSPACE_VOLUME = "workspace";
    /**
     * A command starting with this word runs the workstation's own launcher (the reference agent's
     * {@code pilothouse reference-agent}), which does not exist in an image: the image's entrypoint runs instead.
     */
    static final String LOCAL_LAUNCHER = "pilothouse";

    private AgentPod() {
    }

    static Pod build(Session s, List<AgentDefinition> agents, Map<String, String> tokens, KubernetesSettings st) {
        // the tokens are in the session's Secret (AgentTokens), not here: annotations are read by anyone who may get pods
        Map<String, String> annotations = new LinkedHashMap<>(SessionSpec.annotations(s, agents));
        List<Container> containers = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        for (AgentDefinition a : agents) {
            // the agents of a pod share its network: each needs a port of its own
            int port = a.port() > 0 ? a.port() : AgentDefinition.DEFAULT_PORT;
            while (!taken.add(port)) {
                port++;
            }
            containers.add(container(s, a, port, tokens.get(a.name()), st));
        }
        return new PodBuilder()
                .withNewMetadata()
                .withName(ObjectNames.of(s.id()))
                .withNamespace(s.namespace())
                .withLabels(ObjectNames.labels(s.id(), ObjectNames.ROLE_AGENTS))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("OnFailure")
                .withActiveDeadlineSeconds(Math.max(1, s.ttlSeconds()))
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(st.terminationGracePeriodSeconds())
                .withSecurityContext(podSecurity(st))
                .addNewVolume()
                .withName(WORKSPACE_VOLUME)
                .withNewPersistentVolumeClaim(ObjectNames.of(s.id()), false)
                .endVolume()
                .withContainers(containers)
                .endSpec()
                .build();
    }

    static io.fabric8.kubernetes.api.model.PodSecurityContext podSecurity(KubernetesSettings st) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(st.runAsUser())
                .withRunAsGroup(st.runAsGroup())
                .withFsGroup(st.fsGroup())
                .withFsGroupChangePolicy("OnRootMismatch")
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    static SecurityContext containerSecurity() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    private static Container container(Session s, AgentDefinition a, int port, String token, KubernetesSettings st) {
        String ws = st.workspacePath();
        Map<String, String> env = dev.pilothouse.runtime.AgentEnvironment.of(s, a, port, token, "0.0.0.0", ws);
        List<EnvVar> vars = env.entrySet().stream().map(e -> e.getKey().equals(AgentTokens.ENV)
                ? AgentTokens.env(s.id(), a.name()) : new EnvVar(e.getKey(), e.getValue(), null)).toList();

        Resources r = a.resources() == null ? s.resources() : a.resources().withDefaults(s.resources());
        Map<String, Quantity> amounts = new LinkedHashMap<>();
        if (r.cpu() != null) {
            amounts.put("cpu", new Quantity(r.cpu()));
        }
        if (r.memory() != null) {
            amounts.put("memory", new Quantity(r.memory()));
        }
        ContainerBuilder c = new ContainerBuilder()
                .withName(a.name())
                .withImage(a.image() == null || a.image().isBlank() ? st.defaultImage() : a.image())
                .withImagePullPolicy("IfNotPresent")
                .withWorkingDir(ws)
                .withEnv(vars)
                .withPorts(new ContainerPort(port, null, null, null, "TCP"))
                .withResources(new ResourceRequirementsBuilder().withRequests(amounts).withLimits(amounts).build())
                .withSecurityContext(containerSecurity())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .addNewVolumeMount().withName(WORKSPACE_VOLUME).withMountPath(ws).endVolumeMount()
                // the contract's /healthz, so a container is "ready" exactly when its agent takes messages
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(port)).endHttpGet()
                .withPeriodSeconds(1).withTimeoutSeconds(1).withFailureThreshold(1).withSuccessThreshold(1)
                .endReadinessProbe();
        if (!a.command().isEmpty() && !a.command().get(0).equals(LOCAL_LAUNCHER)) {
            c.withCommand(a.command());
        }
        return c.build();
    }

    /** The port an agent's container listens on, from the pod spec. */
    static int port(Pod pod, String agent) {
        return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(agent)).findFirst()
                .flatMap(c -> c.getPorts().stream().findFirst()).map(ContainerPort::getContainerPort)
                .orElse(AgentDefinition.DEFAULT_PORT);
    }

    /**
     * Placement on one node: a pod that mounts a ReadWriteOnce volume another pod holds (a copy or
     * an inspector beside the session's pod) can run only where that volume is attached.
     */
    static io.fabric8.kubernetes.api.model.Affinity onNode(String node) {
        return new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchField()
                .withKey("metadata.name").withOperator("In").withValues(node).endMatchField().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
    }
}
