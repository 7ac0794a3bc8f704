package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Item 5: a start's deadlines are counted fairly. Scheduling and pulling have their own limits
 * (kubernetes.yaml), and the health limit counts from the moment the containers run, so a slow
 * image pull is waited for (and shown) rather than failed as an agent that never answered.
 */
class StartDeadlinesTest extends KubernetesTestBase {
    private final MutableClock clock = new MutableClock(Instant.now());
    private Session session;
    private CompletableFuture<Engine.Started> creating;

    @Override
    Clock runtimeClock() {
        return clock;
    }

    /** A health limit far below how long the pulls here take. */
    @Override
    KubernetesSettings settings() {
        return super.settings().with(Map.of("healthDeadlineSeconds", 2, "pullDeadlineSeconds", 600));
    }

    /** A session whose pod the kubelet has scheduled and whose image it is pulling. */
    @BeforeEach
    void startPulling() {
        kubelet.manual = true;
        agentWithImage("slow", "registry.example/big-model-agent:7");
        creating = CompletableFuture.supplyAsync(() -> engine.create(CreateRequest.of("slow-pull", "slow"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        session = engine.sessions(false).get(0);
        kubelet.waitingForScheduling(NS, ObjectNames.of(session.id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> String.valueOf(engine.startProgress(fresh(session)))
                .startsWith("waiting for a node ("));
        kubelet.creating(NS, ObjectNames.of(session.id()));
        kubelet.pulling(NS, ObjectNames.of(session.id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> fresh(session).phase() == Phase.INITIALIZING
                && String.valueOf(engine.startProgress(fresh(session))).startsWith("pulling image"));
    }

    @Test
    void aPullLongerThanTheHealthLimitIsWaitedForThenTheHealthLimitCountsFromTheContainersRunning() {
        // longer than the 2 s health limit: still starting, not failed
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> fresh(session).state() == SessionState.INIT);
        clock.advance(Duration.ofSeconds(45));
        assertThat(engine.startProgress(fresh(session))).isEqualTo("pulling image \"registry.example/big-model-agent:7\" (45 s)");

        // the image is there and the container runs, but its agent never answers: 2 s from now, not from the create
        kubelet.runningSilent(NS, ObjectNames.of(session.id()));
        Engine.Started done = creating.join();
        assertThat(done.session().state()).isEqualTo(SessionState.ERROR);
        assertThat(done.session().terminationReason())
                .contains("agents [slow] did not answer /healthz within 2 s of their containers running");
        assertThat(engine.startProgress(done.session())).as("only a starting session has progress").isNull();
    }

    @Test
    void aPullPastItsOwnLimitIsAnErrorThatSaysWhichLimit() {
        clock.advance(Duration.ofSeconds(599));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> fresh(session).state() == SessionState.INIT);
        clock.advance(Duration.ofSeconds(2));
        Engine.Started done = creating.join();
        assertThat(done.session().state()).isEqualTo(SessionState.ERROR);
        assertThat(done.session().phase()).isEqualTo(Phase.FAILED);
        assertThat(done.session().terminationReason()).contains("StartTimeout: its container did not run within 600 s "
                + "of the pod being scheduled (still ContainerCreating; kubernetes.yaml pullDeadlineSeconds is the limit)");
    }
}
