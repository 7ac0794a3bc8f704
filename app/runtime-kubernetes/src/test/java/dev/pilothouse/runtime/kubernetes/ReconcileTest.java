package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Item 7: level-triggered reconciliation adopts what the cluster holds and deletes nothing. */
class ReconcileTest extends KubernetesTestBase {
    @TempDir
    Path otherWorkstation;

    @Test
    void sessionsCreatedFromAnotherWorkstationAreAdoptedWithTheirSpec() {
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        bob.createAgent(new AgentDefinition(null, "coder", "registry.example/coder:3", List.of(), "gpt-x",
                "write code", Map.of("MODE", "strict"), 8080, new Resources("250m", "128Mi", null), null, null, null));
        Session remote = bob.create(new CreateRequest("remote-work", null, null, List.of("coder"), "", 600L, 3600L,
                "{\"ticket\":\"OPS-7\"}", new Resources(null, null, "2Gi")), null).session();
        Session remix = bob.remix("remote-work", RemixRequest.inherit().named("remote-remix"), null).session();
        Session parked = bob.create(CreateRequest.of("parked", "reference"), null).session();
        bob.pause("parked");
        assertThat(List.of(remote.state(), remix.state())).containsOnly(SessionState.READY);

        // alice's engine looks at the context again (as on a context switch): everything is adopted
        engine.useContext("local");
        engine.useContext(CONTEXT, NS);

        Session adopted = engine.session("remote-work");
        assertThat(adopted.id()).isEqualTo(remote.id());
        assertThat(adopted.state()).isEqualTo(SessionState.READY);
        assertThat(adopted.phase()).isEqualTo(Phase.RUNNING);
        assertThat(adopted.namespace()).isEqualTo(NS);
        assertThat(adopted.createdBy()).isEqualTo("bob");
        assertThat(adopted.metadata()).contains("OPS-7");
        assertThat(adopted.waitingTimeoutSeconds()).isEqualTo(600);
        assertThat(adopted.ttlSeconds()).isEqualTo(3600);
        assertThat(adopted.resources().storage()).isEqualTo("2Gi");
        assertThat(adopted.createdAt()).isEqualTo(remote.createdAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        AgentDefinition coder = engine.agentDefinitions("remote-work").get(0);
        assertThat(coder.image()).isEqualTo("registry.example/coder:3");
        assertThat(coder.env()).containsEntry("MODE", "strict");
        assertThat(engine.agents(false)).extracting(AgentDefinition::name).as("bob's agent stays out of alice's registry")
                .doesNotContain("coder");
        assertThat(engine.session("remote-remix").parentSessionId()).isEqualTo(remote.id());
        assertThat(engine.session("parked").state()).isEqualTo(SessionState.IDLE);
        assertThat(engine.session("parked").phase()).isEqualTo(Phase.PAUSED);
        assertThat(engine.events("remote-work", 0, 10)).extracting(AuditEvent::reason)
                .anyMatch(r -> r.contains("adopted") && r.contains("created by bob"));

        // adopted sessions work: alice talks to bob's agent through its port-forward
        assertThat(engine.send("remote-work", null, "$ echo from-alice", null).reply().content()).contains("from-alice");
        // and nothing was deleted by either engine
        assertThat(pod(remote)).isNotNull();
        assertThat(pod(remix)).isNotNull();
        assertThat(claim(parked)).isNotNull();
    }

    @Test
    void aSessionCreatedOnAnotherWorkstationShowsOnARunningEngineWithinMoments() {
        // alice's engine runs and has looked at the context before bob makes anything
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        Session made = bob.create(CreateRequest.of("made-by-bob", "reference"), null).session();
        Session parked = bob.create(CreateRequest.of("parked-by-bob", "reference"), null).session();
        bob.pause("parked-by-bob");

        // no reconcile, no context switch, no restart on alice's side: her informers saw the objects appear
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> engine.sessions(false).stream().map(Session::id)
                .toList().containsAll(List.of(made.id(), parked.id())));
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> engine.session(made.id()).state() == SessionState.READY);
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> engine.session(parked.id()).state() == SessionState.IDLE);
        assertThat(engine.session(made.id()).name()).isEqualTo("made-by-bob");
        assertThat(engine.session(made.id()).createdBy()).isEqualTo("bob");
        assertThat(engine.events(made.id(), 0, 10)).extracting(AuditEvent::reason)
                .anyMatch(r -> r.contains("adopted") && r.contains("created by bob"));
        assertThat(events).anyMatch(e -> e instanceof EngineEvent.Notice n && n.message().contains("'made-by-bob'"));
        assertThat(engine.send("made-by-bob", null, "$ echo alice-here", null).reply().content()).contains("alice-here");
        // each once, whatever objects of them appeared
        assertThat(engine.sessions(false)).extracting(Session::id).containsOnlyOnce(made.id(), parked.id());
    }

    @Test
    void aFreshWorkstationAdoptsOnStartAndNameClashesAreRenamed() {
        engine.create(CreateRequest.of("same-name", "reference"), null);
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        assertThat(bob.sessions(false)).extracting(Session::name).containsExactly("same-name");

        Session bobs = bob.create(CreateRequest.of("bobs-own", "reference"), null).session();
        engine.useContext(CONTEXT, NS);
        assertThat(engine.sessions(false)).extracting(Session::name).containsExactlyInAnyOrder("same-name", "bobs-own");
        assertThat(engine.session(bobs.id()).state()).isEqualTo(SessionState.READY);
    }

    @Test
    void theFirstListsComeInPagesAndMissNothing() {
        for (String name : List.of("p1", "p2", "p3", "p4", "p5")) {
            engine.create(CreateRequest.of(name, "reference"), null);
        }
        int pagesBefore = cluster.pagesServed.get();
        // a fresh workstation reads pods, PVCs and Events two at a time, as a large cluster would give them
        Engine bob = openEngine(otherWorkstation, "bob", settings().with(Map.of("listChunkSize", 2)));
        bob.useContext(CONTEXT, NS);
        assertThat(bob.sessions(false)).extracting(Session::name).containsExactlyInAnyOrder("p1", "p2", "p3", "p4", "p5");
        assertThat(bob.sessions(false)).allMatch(s -> s.state() == SessionState.READY);
        // 5 pods and 5 PVCs: 3 pages each; the Events, more
        assertThat(cluster.pagesServed.get() - pagesBefore).isGreaterThanOrEqualTo(6 + 3);
        assertThat(cluster.requests).anyMatch(r -> r.startsWith("GET /api/v1/namespaces/" + NS + "/pods?")
                && r.contains("limit=2") && r.contains("continue="));
    }

    @Test
    void orphansAreReportedAndLeftAlone() {
        engine.create(CreateRequest.of("known", "reference"), null);
        // a PVC with Pilothouse's label but no readable spec: not adoptable
        api.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("pilothouse-stray").withNamespace(NS)
                .withLabels(Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER, ObjectNames.SESSION, "stray-session"))
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
        // reconcile reads the engine's informer cache, which hears of the new PVC a moment later, as from a real API server
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> engine.orphans().contains("stray-session"));
        events.clear();

        Engine.ReconcileReport report = engine.reconcile();

        assertThat(report.orphans()).containsExactly("stray-session");
        assertThat(events).anyMatch(e -> e instanceof EngineEvent.Notice n && n.message().contains("stray-session")
                && n.message().contains("left untouched"));
        assertThat(api.persistentVolumeClaims().inNamespace(NS).withName("pilothouse-stray").get()).isNotNull();
        assertThat(engine.session("known").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void anIdleSessionWhosePodRunsAgainIsAdoptedNotStopped() {
        Session s = engine.create(CreateRequest.of("resumed-elsewhere", "reference"), null).session();
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        engine.pause("resumed-elsewhere");
        // bob's informer hears of alice's stop (the pod is marked stopped-by): IDLE there too, not ERROR
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> bob.session(s.id()).state() == SessionState.IDLE);
        assertThat(bob.session(s.id()).terminationReason()).contains("stopped by pilothouse on");
        bob.resume(s.id());
        assertThat(pod(s)).isNotNull();

        engine.reconcile();

        assertThat(engine.session(s.id()).state()).isEqualTo(SessionState.READY);
        assertThat(pod(s)).as("reconciliation never stops what runs on a cluster").isNotNull();
    }

    @Test
    void aPausePastAWorkstationWhoseEngineWasOffIsSeenAsAPauseAndItsResumeIsAdopted() {
        Session s = engine.create(CreateRequest.of("paused-elsewhere", "reference"), null).session();
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        assertThat(bob.session(s.id()).state()).isEqualTo(SessionState.READY);
        bob.close();

        // alice pauses while bob's engine is off: the pod, and its stopped-by mark, are gone when bob looks
        engine.pause("paused-elsewhere");
        assertThat(pod(s)).isNull();
        Engine bobAgain = openEngine(otherWorkstation, "bob");
        bobAgain.useContext(CONTEXT, NS);
        bobAgain.reconcile();
        assertThat(bobAgain.session(s.id()).state()).as(bobAgain.session(s.id()).terminationReason())
                .isEqualTo(SessionState.IDLE);
        assertThat(bobAgain.session(s.id()).terminationReason()).contains("stopped by pilothouse on")
                .contains("(" + engine.session(s.id()).terminationReason() + ")"); // why: "paused by <actor>"

        // bob resumes it himself: the mark is cleared with the new pod, and alice adopts what runs
        bobAgain.resume(s.id());
        // a merge patch's null: the API server removes the key (the fake cluster keeps it, null)
        assertThat(claim(s).getMetadata().getAnnotations().get(ObjectNames.STOPPED_BY)).isNull();
        engine.reconcile();
        assertThat(engine.session(s.id()).state()).isEqualTo(SessionState.READY);
    }

    @Test
    void aFailureWhileAnotherWorkstationsEngineWasOffIsAnErrorThereWithItsReasonNotAPause() {
        agentWithImage("puller", "registry.example/does-not-exist:9");
        Session s = engine.create(CreateRequest.of("failed-here", "puller"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.ERROR);
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> pod(s) == null);
        assertThat(claim(s).getMetadata().getAnnotations().get(ObjectNames.FAILED)).contains("does-not-exist");

        // bob's engine did not run when it failed: the volume's mark says it failed, and why
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        bob.reconcile();
        Session seen = bob.session(s.id());
        assertThat(seen.state()).as(seen.terminationReason()).isEqualTo(SessionState.ERROR);
        assertThat(seen.terminationReason()).contains("does-not-exist").contains("then stopped by pilothouse on");
    }

    @Test
    void aSessionInErrorWhosePodRunsAndAnswersAgainIsAdoptedAndARealLossStaysAnError() {
        Session s = engine.create(CreateRequest.of("lost-then-retried", "reference"), null).session();
        Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        bob.close();

        // deleted outside Pilothouse (no stopped-by mark) while bob's engine is off: an error, with that reason
        kubelet.deletePod(NS, ObjectNames.of(s.id()));
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> pod(s) == null);
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> engine.session(s.id()).state() == SessionState.ERROR);
        Engine bobAgain = openEngine(otherWorkstation, "bob");
        bobAgain.useContext(CONTEXT, NS);
        bobAgain.reconcile();
        assertThat(bobAgain.session(s.id()).state()).isEqualTo(SessionState.ERROR);
        assertThat(bobAgain.session(s.id()).terminationReason()).contains("no longer exists");

        // alice retries it: its pod runs and answers, and bob adopts it as READY
        assertThat(engine.retry(s.id()).state()).isEqualTo(SessionState.READY);
        bobAgain.reconcile();
        assertThat(bobAgain.session(s.id()).state()).isEqualTo(SessionState.READY);
        assertThat(bobAgain.events(s.id(), 0, 100)).extracting(AuditEvent::reason)
                .anyMatch(r -> r.contains("agents found running and healthy"));
        assertThat(bobAgain.send(s.id(), null, "$ echo from-bob", null).reply().content()).contains("from-bob");
    }
}
