package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Item 4: the session's phase and state follow the pod as the informers see it. */
class StatusTest extends KubernetesTestBase {
    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    Clock runtimeClock() {
        return clock;
    }

    private Session createAndFail(String name, String agent) {
        Engine.Started st = engine.create(CreateRequest.of(name, agent), null);
        assertThat(st.session().state()).isEqualTo(SessionState.ERROR);
        assertThat(st.session().phase()).as("what the runtime shows: it failed").isEqualTo(Phase.FAILED);
        return st.session();
    }

    @Test
    void phasesFollowThePodFromPendingThroughContainerCreatingToReady() {
        kubelet.manual = true;
        CompletableFuture<Engine.Started> creating = CompletableFuture.supplyAsync(
                () -> engine.create(CreateRequest.of("stepwise", "reference"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        Session s = engine.sessions(false).get(0);
        kubelet.waitingForScheduling(NS, ObjectNames.of(s.id()));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> fresh(s).phase() == Phase.PENDING
                && fresh(s).state() == SessionState.INIT);

        kubelet.creating(NS, ObjectNames.of(s.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> fresh(s).phase() == Phase.INITIALIZING);
        assertThat(fresh(s).state()).isEqualTo(SessionState.INIT);

        kubelet.run(NS, ObjectNames.of(s.id()));
        Engine.Started done = creating.join();
        assertThat(done.session().state()).isEqualTo(SessionState.READY);
        assertThat(done.session().phase()).isEqualTo(Phase.RUNNING);
        List<String> reasons = engine.events(s.id(), 0, 100).stream().map(AuditEvent::reason).toList();
        assertThat(reasons).anyMatch(r -> r.startsWith("starting agents")).anyMatch(r -> r.contains("healthy after"));
    }

    @Test
    void kubernetesEventsOfThePodAreInTheSessionsEvents() {
        Session s = engine.create(CreateRequest.of("eventful", "reference"), null).session();
        String pod = ObjectNames.of(s.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.events(s.id(), 0, 1000).stream().map(AuditEvent::reason)
                .anyMatch(r -> r.startsWith("Kubernetes: Normal Started on pod " + pod + " (spec.containers{reference})")));
        assertThat(engine.events(s.id(), 0, 1000)).map(AuditEvent::reason)
                .contains("Kubernetes: Normal Scheduled on pod " + pod + ": Successfully assigned team-a/" + pod + " to fake-node");
    }

    @Test
    void imagePullFailureIsAnErrorWithKubernetesReasonAndMessage() {
        agentWithImage("puller", "registry.example/does-not-exist:9");
        Session s = createAndFail("pull", "puller");
        // the kubelet says ErrImagePull, then ImagePullBackOff: either ends the start, with its message
        assertThat(s.terminationReason()).contains("agent 'puller' failed").containsAnyOf(
                "ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example/does-not-exist:9\"",
                "ImagePullBackOff: Back-off pulling image \"registry.example/does-not-exist:9\"");
        assertThat(s.phase()).isEqualTo(Phase.FAILED);
        // the failed pod is removed; the volume stays for a retry
        await().atMost(Duration.ofSeconds(5)).until(() -> pod(s) == null);
        assertThat(claim(s)).isNotNull();
    }

    @Test
    void imagePullBackOffSeenAloneStillSaysWhyThePullFailed() {
        // the kubelet's ErrImagePull went by unseen (it lasts a moment): the status says only "Back-off
        // pulling image"; why the pull failed is in the pod's Events, and goes into the reason
        kubelet.manual = true;
        agentWithImage("puller", "registry.example/missing:2");
        CompletableFuture<Engine.Started> creating = CompletableFuture.supplyAsync(
                () -> engine.create(CreateRequest.of("backoff", "puller"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        Session s = engine.sessions(false).get(0);
        String name = ObjectNames.of(s.id());
        kubelet.creating(NS, name);
        io.fabric8.kubernetes.api.model.Pod p = kubelet.pod(NS, name);
        kubelet.event(p, "puller", "Warning", "Failed", "Failed to pull image \"registry.example/missing:2\": rpc error: "
                + "code = NotFound desc = failed to pull and unpack image \"registry.example/missing:2\": not found");
        await().atMost(Duration.ofSeconds(10)).until(() -> !runtime(s).informers(NS).eventsAbout(p.getMetadata().getUid()).isEmpty());
        kubelet.waiting(NS, name, "ImagePullBackOff", "Back-off pulling image \"registry.example/missing:2\"");

        Session failed = creating.join().session();
        assertThat(failed.state()).isEqualTo(SessionState.ERROR);
        assertThat(failed.terminationReason()).contains("ImagePullBackOff: Back-off pulling image \"registry.example/missing:2\" "
                + "(the pull failed: Failed to pull image \"registry.example/missing:2\": rpc error: code = NotFound desc = "
                + "failed to pull and unpack image \"registry.example/missing:2\": not found)");
    }

    @Test
    void imagePullBackOffAfterAnErrImagePullKeepsItsMessage() {
        kubelet.manual = true;
        agentWithImage("puller", "registry.example/missing:3");
        CompletableFuture<Engine.Started> creating = CompletableFuture.supplyAsync(
                () -> engine.create(CreateRequest.of("backoff2", "puller"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        Session s = engine.sessions(false).get(0);
        String name = ObjectNames.of(s.id());
        kubelet.creating(NS, name);
        // no Events this time (a Role without them): the container's earlier waiting message is kept
        runtime(s).pod(NS, null, podWithWaiting(kubelet.pod(NS, name), "ErrImagePull",
                "rpc error: code = NotFound desc = registry.example/missing:3: not found"), false);
        kubelet.waiting(NS, name, "ImagePullBackOff", "Back-off pulling image \"registry.example/missing:3\"");

        Session failed = creating.join().session();
        assertThat(failed.terminationReason()).contains("ImagePullBackOff: Back-off pulling image \"registry.example/missing:3\" "
                + "(the pull failed: rpc error: code = NotFound desc = registry.example/missing:3: not found)");
    }

    private static io.fabric8.kubernetes.api.model.Pod podWithWaiting(io.fabric8.kubernetes.api.model.Pod p, String reason,
                                                                       String message) {
        var c = p.getSpec().getContainers().get(0);
        return new io.fabric8.kubernetes.api.model.PodBuilder(p).withNewStatus().withPhase("Pending")
                .addNewContainerStatus().withName(c.getName()).withImage(c.getImage()).withRestartCount(0)
                .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
                .endContainerStatus().endStatus().build();
    }

    @Test
    void crashLoopIsAnErrorWithTheLastExitAndLog() {
        agentWithImage("crashy", "registry.example/crashes:1");
        Session s = createAndFail("crash", "crashy");
        // the agent process exits 2 at once, saying why in its log; the kubelet restarts it once at
        // once, then backs off: CrashLoopBackOff is what fails the session
        assertThat(s.terminationReason()).contains("agent 'crashy' failed during start-up: CrashLoopBackOff: back-off 10s "
                + "restarting failed container=crashy").contains("restarted 1 time; last exit 2 Error")
                .contains("no-port-in-this-image");
    }

    @Test
    void createContainerConfigErrorAndOomKilledAreErrors() {
        agentWithImage("secretive", "registry.example/needs-secret:1");
        agentWithImage("hungry", "registry.example/oom:1");
        assertThat(createAndFail("config", "secretive").terminationReason())
                .contains("CreateContainerConfigError: secret \"llm-key\" not found");
        // OOMKilled once is restarted; OOMKilled again and again is an error
        assertThat(createAndFail("memory", "hungry").terminationReason())
                .contains("OOMKilled: the container exceeded its memory limit again and again (exit 137)");
    }

    @Test
    void unschedulableIsPendingUntilTheDeadlineThenAnError() {
        engine.createAgent(new dev.pilothouse.agent.AgentDefinition(null, "huge", "registry.example/huge:1", List.of(),
                null, null, java.util.Map.of(), 8080, new Resources("100", "1Ti", null), null, null, null));
        CompletableFuture<Engine.Started> creating = CompletableFuture.supplyAsync(
                () -> engine.create(CreateRequest.of("too-big", "huge"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null && pod(engine.sessions(false).get(0)).getStatus() != null
                && !pod(engine.sessions(false).get(0)).getStatus().getConditions().isEmpty());
        Session s = engine.sessions(false).get(0);
        // within the deadline (5 minutes by default): waiting for room, not failed
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> fresh(s).state() == SessionState.INIT
                && fresh(s).phase() == Phase.PENDING);

        // the scheduler's Event says why it waits
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.events(s.id(), 0, 1000).stream().map(AuditEvent::reason)
                .anyMatch(r -> r.startsWith("Kubernetes: Warning FailedScheduling on pod " + ObjectNames.of(s.id())
                        + ": 0/3 nodes are available: 3 Insufficient cpu.")));

        clock.advance(Duration.ofMinutes(6));
        Engine.Started done = creating.join();
        assertThat(done.session().state()).isEqualTo(SessionState.ERROR);
        assertThat(done.session().terminationReason()).contains("Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.")
                .contains("the deadline is 300 s");
    }

    @Test
    void aPodDeletedBySomeoneElseIsReconciledToError() {
        Session s = engine.create(CreateRequest.of("victim", "reference"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        kubelet.deletePod(NS, ObjectNames.of(s.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> fresh(s).state() == SessionState.ERROR);
        assertThat(fresh(s).terminationReason()).contains("was deleted outside Pilothouse");
        assertThat(claim(s)).as("the volume is kept").isNotNull();
    }

    @Test
    void aContainerThatStartsCrashingLaterPutsTheSessionInError() {
        Session s = engine.create(CreateRequest.of("later", "reference"), null).session();
        kubelet.breakImage(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(20)).until(() -> fresh(s).state() == SessionState.ERROR);
        // killed once (restarted at once), then every start fails: CrashLoopBackOff
        assertThat(fresh(s).terminationReason()).contains("CrashLoopBackOff").contains("no-port-in-this-image");
    }

    @Test
    void aLostVolumeIsReconciledForRunningAndPausedSessions() {
        Session running = engine.create(CreateRequest.of("running", "reference"), null).session();
        Session paused = engine.create(CreateRequest.of("paused", "reference"), null).session();
        engine.pause(paused.name());

        api.persistentVolumeClaims().inNamespace(NS).withName(ObjectNames.of(running.id())).delete();
        api.persistentVolumeClaims().inNamespace(NS).withName(ObjectNames.of(paused.id())).delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> fresh(running).state() == SessionState.ERROR
                && fresh(paused).state() == SessionState.ERROR);
        assertThat(fresh(running).terminationReason()).contains("VolumeLost");
        assertThat(fresh(paused).terminationReason()).contains("VolumeLost").contains("deleted outside Pilothouse");
    }
}
