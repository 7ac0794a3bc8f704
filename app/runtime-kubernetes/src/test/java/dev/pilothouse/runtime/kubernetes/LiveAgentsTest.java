package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 14, item 6 on a cluster: the pod is recreated with the new container set on the same PVC. */
class LiveAgentsTest extends KubernetesTestBase {

    private static List<String> containers(Pod p) {
        return p.getSpec().getContainers().stream().map(Container::getName).toList();
    }

    private static String cpuLimit(Pod p, String container) {
        return p.getSpec().getContainers().stream().filter(c -> c.getName().equals(container)).findFirst().orElseThrow()
                .getResources().getLimits().get("cpu").toString();
    }

    @Test
    void addingAndRemovingAnAgentRecreatesThePodWithTheNewContainersOnTheSamePvc() throws Exception {
        // no resources of its own: the session's cpu and memory apply to its container
        engine.createAgent(new AgentDefinition(null, "ml-predictor", "registry.example/ml-predictor:1", List.of(), null,
                null, Map.of(), 8080, new Resources(null, null, null), null, null, null));
        Session s = engine.create(CreateRequest.of("day-two", "reference").withPrompt("$ echo day-one > notes.txt"), null)
                .session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        Pod first = pod(s);
        String claimUid = claim(s).getMetadata().getUid();
        assertThat(containers(first)).containsExactly("reference");

        // cpu changes are stored and wait for the next start: the running pod is left alone
        engine.update("day-two", new UpdateRequest(null, null, null, null, Map.of(), List.of(), new Resources("2", null, null),
                List.of(), List.of()), null);
        assertThat(pod(s).getMetadata().getUid()).isEqualTo(first.getMetadata().getUid());

        Session added = engine.update("day-two", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null);

        assertThat(added.state()).as(added.terminationReason()).isEqualTo(SessionState.READY);
        assertThat(added.phase()).isEqualTo(Phase.RUNNING);
        Pod second = pod(s);
        assertThat(second.getMetadata().getUid()).as("the pod is recreated").isNotEqualTo(first.getMetadata().getUid());
        assertThat(containers(second)).containsExactly("reference", "ml-predictor");
        // the agents share the pod's network: the second listens on a port of its own
        assertThat(AgentPod.port(second, "ml-predictor")).isNotEqualTo(AgentPod.port(second, "reference"));
        assertThat(second.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
                .isEqualTo(ObjectNames.of(s.id()));
        assertThat(claim(s).getMetadata().getUid()).as("the same PVC").isEqualTo(claimUid);
        assertThat(cpuLimit(second, "ml-predictor")).isEqualTo("2");
        assertThat(claim(s).getMetadata().getAnnotations().get(ObjectNames.AGENTS)).contains("ml-predictor");
        SendResult r = engine.send("day-two", "ml-predictor", "$ cat notes.txt", null);
        assertThat(r.failed()).as(r.reply().error()).isFalse();
        assertThat(r.reply().content()).contains("day-one");

        Session removed = engine.update("day-two", UpdateRequest.agents(List.of(), List.of("ml-predictor")), null);

        assertThat(removed.state()).as(removed.terminationReason()).isEqualTo(SessionState.READY);
        Pod third = pod(s);
        assertThat(third.getMetadata().getUid()).isNotEqualTo(second.getMetadata().getUid());
        assertThat(containers(third)).containsExactly("reference");
        assertThat(claim(s).getMetadata().getUid()).isEqualTo(claimUid);
        assertThat(Files.readString(kubelet.volume(NS, ObjectNames.of(s.id())).resolve("notes.txt"))).isEqualTo("day-one\n");
        assertThat(engine.send("day-two", null, "$ cat notes.txt", null).reply().content()).contains("day-one");
    }

    @Test
    void aPausedSessionStoresTheNewSetAndItsPodHasItAtResume() {
        engine.createAgent(new AgentDefinition(null, "ml-predictor", "registry.example/ml-predictor:1", List.of(), null,
                null, Map.of(), 8080, new Resources(null, null, null), null, null, null));
        Session s = engine.create(CreateRequest.of("later", "reference"), null).session();
        engine.pause("later");
        assertThat(pod(s)).isNull();

        Session stored = engine.update("later", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null);
        assertThat(stored.state()).isEqualTo(SessionState.IDLE);
        assertThat(pod(s)).as("nothing runs while paused").isNull();

        assertThat(engine.resume("later").state()).isEqualTo(SessionState.READY);
        assertThat(containers(pod(s))).containsExactly("reference", "ml-predictor");
    }
}
