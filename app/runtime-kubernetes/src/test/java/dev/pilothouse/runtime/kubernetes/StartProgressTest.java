package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a starting pod waits for, read from its status and its Events, in an operator's words. */
class StartProgressTest {
    private final Instant t0 = Instant.parse("2026-12-04T10:00:00Z");

    private Pod pod(boolean scheduled, String state) {
        var status = new ContainerStatusBuilder().withName("agent").withImage("acme/agent:2").withRestartCount(0)
                .withReady(false);
        switch (state) {
            case "creating" -> status.withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState();
            case "running" -> status.withNewState().withNewRunning().withStartedAt(t0.plusSeconds(40).toString())
                    .endRunning().endState();
            default -> throw new IllegalArgumentException(state);
        }
        return new PodBuilder().withNewMetadata().withName("p").withUid("u").withCreationTimestamp(t0.toString()).endMetadata()
                .withNewSpec().addNewContainer().withName("agent").withImage("acme/agent:2").endContainer().endSpec()
                .withNewStatus().withPhase(state.equals("running") ? "Running" : "Pending")
                .withConditions(new PodConditionBuilder().withType("PodScheduled").withStatus(scheduled ? "True" : "False")
                        .withReason(scheduled ? null : "Unschedulable").withLastTransitionTime(t0.plusSeconds(2).toString()).build())
                .withContainerStatuses(scheduled ? List.of(status.build()) : List.of()).endStatus().build();
    }

    private Event event(String type, String reason, String field, String message, int atSecond) {
        return new EventBuilder().withNewMetadata().withName("e" + atSecond + reason).endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("p").withUid("u").withFieldPath(field).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withLastTimestamp(t0.plusSeconds(atSecond).toString()).build();
    }

    @Test
    void eachStepOfAStartInWords() {
        assertThat(StartProgress.of(pod(false, "creating"), List.of(event("Warning", "FailedScheduling", null,
                "0/3 nodes are available: 3 Insufficient cpu.", 1)), t0.plusSeconds(12)))
                .hasValue("waiting for a node (12 s): 0/3 nodes are available: 3 Insufficient cpu.");

        List<Event> pulling = List.of(event("Normal", "Scheduled", null, "assigned", 2),
                event("Normal", "Pulling", "spec.containers{agent}", "Pulling image \"acme/agent:2\"", 3));
        assertThat(StartProgress.of(pod(true, "creating"), pulling, t0.plusSeconds(48)))
                .hasValue("pulling image \"acme/agent:2\" (45 s)");

        // pulled in the second it began (Events carry whole seconds): no longer pulling
        List<Event> pulled = List.of(pulling.get(0), pulling.get(1),
                event("Normal", "Pulled", "spec.containers{agent}", "Successfully pulled", 3));
        assertThat(StartProgress.of(pod(true, "creating"), pulled, t0.plusSeconds(10))).hasValue("creating containers (8 s)");

        List<Event> mount = List.of(pulling.get(0), event("Warning", "FailedMount", null,
                "MountVolume.SetUp failed for volume \"ws\"", 5));
        assertThat(StartProgress.of(pod(true, "creating"), mount, t0.plusSeconds(32)))
                .hasValue("creating containers (30 s): FailedMount: MountVolume.SetUp failed for volume \"ws\"");

        assertThat(StartProgress.of(pod(true, "running"), pulled, t0.plusSeconds(43)))
                .hasValue("waiting for the agents to answer /healthz (3 s)");
    }
}
