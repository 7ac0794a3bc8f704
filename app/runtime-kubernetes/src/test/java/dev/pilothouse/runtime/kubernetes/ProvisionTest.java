package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Item 3: what a session is on the cluster, field by field. */
class ProvisionTest extends KubernetesTestBase {

    private Session create(String name, List<String> agents, Resources resources) {
        Engine.Started st = engine.create(new CreateRequest(name, null, null, agents, "", null, 7200L, "{\"team\":\"a\"}",
                resources), null);
        assertThat(st.session().state()).as(st.session().terminationReason()).isEqualTo(SessionState.READY);
        return st.session();
    }

    @Test
    void aSessionIsAPvcAPodAndANetworkPolicyInTheChosenNamespace() {
        agentWithImage("coder", "registry.example/coder:2");
        Session s = create("two-agents", List.of("reference", "coder"), new Resources(null, null, "3Gi"));
        String name = ObjectNames.of(s.id());

        assertThat(s.context()).isEqualTo(CONTEXT);
        assertThat(s.namespace()).isEqualTo(NS);
        assertThat(s.phase()).isEqualTo(Phase.RUNNING);
        assertThat(name).isEqualTo("pilothouse-" + s.id()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);

        // ---- the PVC
        PersistentVolumeClaim pvc = claim(s);
        assertThat(pvc.getMetadata().getName()).isEqualTo(name);
        assertThat(pvc.getMetadata().getNamespace()).isEqualTo(NS);
        assertThat(pvc.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/managed-by", "pilothouse", "pilothouse.dev/session-id", s.id(),
                "pilothouse.dev/role", "volume"));
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(pvc.getSpec().getVolumeMode()).isEqualTo("Filesystem");
        assertThat(pvc.getSpec().getResources().getRequests()).containsExactly(Map.entry("storage", new Quantity("3Gi")));
        assertThat(pvc.getSpec().getStorageClassName()).isNull();
        assertThat(pvc.getSpec().getDataSource()).isNull();
        JsonNode spec = Json.parse(pvc.getMetadata().getAnnotations().get("pilothouse.dev/session"));
        assertThat(spec.path("id").asText()).isEqualTo(s.id());
        assertThat(spec.path("name").asText()).isEqualTo("two-agents");
        assertThat(spec.path("ttl_seconds").asLong()).isEqualTo(7200);
        assertThat(spec.path("metadata").path("team").asText()).isEqualTo("a");
        assertThat(spec.path("resources").path("storage").asText()).isEqualTo("3Gi");
        assertThat(spec.path("created_by").asText()).isEqualTo("alice");
        JsonNode agents = Json.parse(pvc.getMetadata().getAnnotations().get("pilothouse.dev/agents"));
        assertThat(agents).hasSize(2);
        assertThat(agents.get(1).path("image").asText()).isEqualTo("registry.example/coder:2");
        assertThat(agents.get(1).path("instructions").asText()).isEqualTo("instructions of coder");

        // ---- the pod
        Pod pod = pod(s);
        assertThat(pod.getMetadata().getName()).isEqualTo(name);
        assertThat(pod.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/managed-by", "pilothouse", "pilothouse.dev/session-id", s.id(),
                "pilothouse.dev/role", "agents"));
        assertThat(pod.getMetadata().getAnnotations()).containsKeys("pilothouse.dev/session", "pilothouse.dev/agents")
                .doesNotContainKey("pilothouse.dev/agent-tokens");
        assertThat(pod.getMetadata().getAnnotations().get("pilothouse.dev/session"))
                .isEqualTo(pvc.getMetadata().getAnnotations().get("pilothouse.dev/session"));
        var ps = pod.getSpec();
        assertThat(ps.getActiveDeadlineSeconds()).isEqualTo(7200L);
        assertThat(ps.getAutomountServiceAccountToken()).isFalse();
        assertThat(ps.getEnableServiceLinks()).isFalse();
        assertThat(ps.getRestartPolicy()).isEqualTo("OnFailure");
        assertThat(ps.getTerminationGracePeriodSeconds()).isEqualTo(0L);
        assertThat(ps.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(ps.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(ps.getSecurityContext().getRunAsGroup()).isEqualTo(1000L);
        assertThat(ps.getSecurityContext().getFsGroup()).isEqualTo(1000L);
        assertThat(ps.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(ps.getVolumes()).hasSize(1);
        assertThat(ps.getVolumes().get(0).getName()).isEqualTo("workspace");
        assertThat(ps.getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo(name);
        assertThat(ps.getVolumes().get(0).getPersistentVolumeClaim().getReadOnly()).isFalse();
        assertThat(ps.getContainers()).extracting(Container::getName).containsExactly("reference", "coder");

        Container ref = ps.getContainers().get(0);
        // the reference agent's local command runs the workstation's launcher: the image's entrypoint runs instead
        assertThat(ref.getImage()).isEqualTo(KubernetesSettings.REFERENCE_IMAGE);
        assertThat(ref.getCommand()).isEmpty();
        assertThat(ref.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getContainerPort()).isEqualTo(8080);
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
        Container coder = ps.getContainers().get(1);
        assertThat(coder.getImage()).isEqualTo("registry.example/coder:2");
        // two agents share the pod's network: the second gets the next free port
        assertThat(coder.getPorts().get(0).getContainerPort()).isEqualTo(8081);
        assertThat(coder.getResources().getRequests()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu", new Quantity("250m"), "memory", new Quantity("128Mi")));
        assertThat(coder.getResources().getLimits()).isEqualTo(coder.getResources().getRequests());
        assertThat(ref.getResources().getRequests()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu", new Quantity("500m"), "memory", new Quantity("256Mi")));
        Map<String, String> env = coder.getEnv().stream().filter(v -> v.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("GREETING", "hello")
                .containsEntry("PILOTHOUSE_AGENT_PORT", "8081")
                .containsEntry("PILOTHOUSE_AGENT_HOST", "0.0.0.0")
                .containsEntry("PILOTHOUSE_AGENT_NAME", "coder")
                .containsEntry("PILOTHOUSE_SESSION_ID", s.id())
                .containsEntry("PILOTHOUSE_SESSION_NAME", "two-agents")
                .containsEntry("PILOTHOUSE_WORKSPACE", "/workspace")
                .containsEntry("PILOTHOUSE_HISTORY_DIR", "/workspace/.pilothouse/history/coder")
                .containsEntry("PILOTHOUSE_WAITING_TIMEOUT_SECONDS", "300")
                .containsEntry("PILOTHOUSE_MODEL", "test-model")
                .containsEntry("PILOTHOUSE_INSTRUCTIONS", "instructions of coder");
        // the token is in the session's Secret, referenced, never in the pod (anyone who may get pods reads it)
        EnvVar token = coder.getEnv().stream().filter(v -> v.getName().equals("PILOTHOUSE_AGENT_TOKEN")).findFirst().orElseThrow();
        assertThat(token.getValue()).isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo(name);
        assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("coder");
        io.fabric8.kubernetes.api.model.Secret secret = api.secrets().inNamespace(NS).withName(name).get();
        assertThat(secret.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/managed-by", "pilothouse", "pilothouse.dev/session-id", s.id(),
                "pilothouse.dev/role", "tokens"));
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("PersistentVolumeClaim");
            assertThat(o.getName()).isEqualTo(name);
            assertThat(o.getUid()).isEqualTo(pvc.getMetadata().getUid());
        });
        assertThat(secret.getImmutable()).isTrue();
        Map<String, String> tokens = AgentTokens.read(secret);
        assertThat(tokens).containsOnlyKeys("reference", "coder");
        assertThat(tokens.values()).allSatisfy(t -> assertThat(t).hasSize(48).matches("[0-9a-f]+"));
        assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(pod)).doesNotContain(tokens.get("coder"))
                .doesNotContain(tokens.get("reference"));
        for (Container c : ps.getContainers()) {
            var sc = c.getSecurityContext();
            assertThat(sc.getRunAsNonRoot()).isTrue();
            assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
            assertThat(sc.getPrivileged()).isFalse();
            assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(sc.getCapabilities().getAdd()).isEmpty();
            assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(c.getWorkingDir()).isEqualTo("/workspace");
            assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> {
                assertThat(m.getName()).isEqualTo("workspace");
                assertThat(m.getMountPath()).isEqualTo("/workspace");
            });
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
            assertThat(c.getReadinessProbe().getHttpGet().getPort().getIntVal())
                    .isEqualTo(c.getPorts().get(0).getContainerPort());
            assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
            assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        }

        // ---- the NetworkPolicy
        NetworkPolicy np = policy(s);
        assertThat(np.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "pilothouse")
                .containsEntry("pilothouse.dev/session-id", s.id());
        assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/managed-by", "pilothouse", "pilothouse.dev/session-id", s.id()));
        assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        assertThat(np.getSpec().getIngress()).isEmpty();
        assertThat(np.getSpec().getEgress()).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).isEmpty();
            assertThat(rule.getTo()).hasSize(2);
            assertThat(rule.getTo().get(0).getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
            assertThat(rule.getTo().get(0).getIpBlock().getExcept()).containsExactly("169.254.169.254/32");
            assertThat(rule.getTo().get(1).getIpBlock().getCidr()).isEqualTo("::/0");
            assertThat(rule.getTo().get(1).getIpBlock().getExcept()).containsExactly("fd00:ec2::254/128");
        });
    }

    @Test
    void storageClassAndEgressComeFromKubernetesYaml() throws Exception {
        java.nio.file.Files.writeString(dataDir.resolve("kubernetes.yaml"), """
                storageClass: fast-ssd
                contexts:
                  lab:
                    egressAllowed: ["10.0.0.0/8"]
                    egressBlocked: ["10.0.0.1/32"]
                  other:
                    storageClass: never-used
                """);
        KubernetesSettings st = KubernetesSettings.load(dataDir, CONTEXT);
        assertThat(st.storageClass()).isEqualTo("fast-ssd");
        NetworkPolicy np = SessionNetworkPolicy.build("s-1", NS, st);
        assertThat(np.getSpec().getEgress().get(0).getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getIpBlock().getCidr()).isEqualTo("10.0.0.0/8");
            assertThat(peer.getIpBlock().getExcept()).containsExactly("10.0.0.1/32");
        });
        PersistentVolumeClaim pvc = WorkspaceClaim.build("s-1", NS, "1Gi", Map.of(), null, st);
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast-ssd");

        // no egress at all: an empty egress list denies every connection out
        NetworkPolicy closed = SessionNetworkPolicy.build("s-1", NS, st.with(Map.of("egressAllowed", List.of())));
        assertThat(closed.getSpec().getEgress()).isEmpty();
        assertThat(closed.getSpec().getPolicyTypes()).contains("Egress");
    }

    @Test
    void aPolicyWhoseRulesChangedIsReplacedBeforeThePodStarts() {
        Session s = create("policy", List.of("reference"), null);
        engine.pause("policy");
        // someone loosened the policy by hand: resume puts Pilothouse's rules back
        api.network().v1().networkPolicies().inNamespace(NS).withName(ObjectNames.of(s.id()))
                .edit(p -> { p.getSpec().setIngress(List.of(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule()));
                    return p; });
        assertThat(policy(s).getSpec().getIngress()).hasSize(1);
        engine.resume("policy");
        assertThat(policy(s).getSpec().getIngress()).isEmpty();
        assertThat(cluster.requests).noneMatch(r -> r.startsWith("PUT /apis/networking.k8s.io"));
    }

    @Test
    void objectNamesAreDns1123LabelsForAnyId() {
        for (String id : List.of("3f1e2d4c-0000-4000-8000-00000000abcd", "Upper_Case.id", "x".repeat(200), "--a--")) {
            assertThat(ObjectNames.of(id)).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
            assertThat(ObjectNames.copyPod(id)).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
            assertThat(ObjectNames.label(id)).matches("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]").hasSizeLessThanOrEqualTo(63);
        }
        assertThat(ObjectNames.of("Upper_Case.id")).isNotEqualTo(ObjectNames.of("upper-case-id"));
    }
}
