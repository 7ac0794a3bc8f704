package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.runtime.ConnectionStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Item 2: on connect, reachability and every permission the runtime uses, checked with access reviews. */
class ConnectCheckTest extends KubernetesTestBase {

    @Test
    void connectedWhenReachableAndEveryPermissionIsGranted() {
        assertThat(engine.connection().state()).isEqualTo(ConnectionStatus.State.CONNECTED);
        assertThat(engine.connection().describe()).isEqualTo("connected");
        // one review per permission, in the namespace in use
        assertThat(cluster.requestCount("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"))
                .isGreaterThanOrEqualTo(AccessCheck.NEEDED.size());
        assertThat(AccessCheck.NEEDED).extracting(AccessCheck.Permission::describe).contains("get pods/log",
                "create pods/portforward", "create persistentvolumeclaims", "create networkpolicies.networking.k8s.io",
                "list events", "watch pods");
    }

    @Test
    void aMissingPermissionIsReportedByName() {
        cluster.denied.add("create pods/portforward");
        cluster.denied.add("delete persistentvolumeclaims");
        events.clear();
        KubernetesRuntime runtime = (KubernetesRuntime) engine.runtime(engine.sessions(true).stream().findFirst().orElse(null) == null
                ? dummy() : engine.sessions(true).get(0));

        ConnectionStatus c = runtime.checkConnection();

        // neither is needed to see sessions: still connected, the missing ones named
        assertThat(c.state()).isEqualTo(ConnectionStatus.State.CONNECTED);
        assertThat(c.missing()).containsExactlyInAnyOrder("create pods/portforward", "delete persistentvolumeclaims");
        assertThat(engine.connection().describe()).isEqualTo("connected; missing create pods/portforward, "
                + "delete persistentvolumeclaims in namespace team-a: sessions are listed and adopted, but what needs "
                + "these is refused (docs/kubernetes.md has the Role to grant)");
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof EngineEvent.ConnectionChanged cc
                && cc.status().missing().contains("delete persistentvolumeclaims")));

        cluster.denied.clear();
        // the heartbeat asks again while something is missing
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.connection().missing().isEmpty());
        assertThat(engine.connection().describe()).isEqualTo("connected");
    }

    @Test
    void withoutAWriteVerbAFreshWorkstationStillFindsEverySessionAndOnlyWhatNeedsTheVerbIsRefused(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path other) {
        dev.pilothouse.session.Session running = dummy();
        dev.pilothouse.session.Session parked = engine.create(dev.pilothouse.engine.CreateRequest.of("parked", "reference"), null)
                .session();
        engine.pause("parked");
        // a Role from before the per-session Secrets
        cluster.denied.add("create secrets");
        cluster.denied.add("delete secrets");

        dev.pilothouse.engine.Engine fresh = openEngine(other, "carol");
        fresh.useContext(CONTEXT, NS);

        assertThat(fresh.connection().connected()).isTrue();
        assertThat(fresh.connection().missing()).containsExactlyInAnyOrder("create secrets", "delete secrets");
        assertThat(fresh.sessions(false)).extracting(dev.pilothouse.session.Session::name)
                .containsExactlyInAnyOrder("probe", "parked");
        assertThat(fresh.session(running.id()).state()).isEqualTo(dev.pilothouse.session.SessionState.READY);
        assertThat(fresh.session(parked.id()).state()).isEqualTo(dev.pilothouse.session.SessionState.IDLE);

        // resuming needs a new token Secret: refused before anything is made in the cluster, saying what to add
        int podsBefore = cluster.requestCount("POST", "/api/v1/namespaces/team-a/pods");
        int policiesBefore = cluster.requestCount("POST", "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies");
        dev.pilothouse.session.Session refused = fresh.resume("parked");
        assertThat(refused.state()).isEqualTo(dev.pilothouse.session.SessionState.ERROR);
        assertThat(refused.terminationReason()).contains("cannot start session 'parked': context '" + CONTEXT
                + "' is missing create secrets, delete secrets in namespace team-a; add to its Role: "
                + "{apiGroups: [\"\"], resources: [secrets], verbs: [get, create, delete]}");
        assertThat(cluster.requestCount("POST", "/api/v1/namespaces/team-a/pods")).isEqualTo(podsBefore);
        assertThat(cluster.requestCount("POST", "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies"))
                .isEqualTo(policiesBefore);

        // granted again: the next attempt asks again and goes through
        cluster.denied.clear();
        fresh.retry("parked");
        assertThat(fresh.session(parked.id()).state()).isEqualTo(dev.pilothouse.session.SessionState.READY);
    }

    @Test
    void forbiddenToListPodsTheEngineSaysSoAtOnceAndChangesNoSession(@org.junit.jupiter.api.io.TempDir java.nio.file.Path other) {
        dev.pilothouse.session.Session s = dummy();
        cluster.denied.add("list pods");
        cluster.fail("GET", "/api/v1/namespaces/team-a/pods?", 403, 100_000);

        long t0 = System.nanoTime();
        dev.pilothouse.engine.Engine fresh = openEngine(other, "carol");
        fresh.useContext(CONTEXT, NS);
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(fresh.connection().state()).isEqualTo(ConnectionStatus.State.FORBIDDEN);
        assertThat(fresh.connection().missing()).containsExactly("list pods");
        assertThat(millis).as("no wait for a list that cannot come").isLessThan(10_000);
        // alice's engine, whose caches were filled before, keeps its session as it is
        runtime(s).checkConnection();
        engine.reconcile();
        assertThat(fresh(s).state()).isEqualTo(dev.pilothouse.session.SessionState.READY);
    }

    @Test
    void rejectedCredentialsAreUnauthorized() {
        cluster.fail("GET", "/version", 401, 1000);
        KubernetesSettings st = settings();
        try (KubernetesRuntime r = KubernetesRuntime.connect("expired", cluster.client(NS, st), st, Clock.systemUTC())) {
            assertThat(r.connection().state()).isEqualTo(ConnectionStatus.State.UNAUTHORIZED);
            assertThat(r.connection().reason()).contains("refused the credentials of context 'expired'");
        }
    }

    @Test
    void aClusterDownAtConnectStillGivesARuntimeThatSaysSo() {
        cluster.proxy.down();
        KubernetesSettings st = settings();
        try (KubernetesRuntime r = KubernetesRuntime.connect("away", cluster.client(NS, st), st, Clock.systemUTC())) {
            assertThat(r.connection().state()).isEqualTo(ConnectionStatus.State.UNREACHABLE);
            assertThat(r.volumes()).isEmpty();
            assertThat(r.discovered(id -> true)).isEmpty();
            cluster.proxy.up();
            await().atMost(Duration.ofSeconds(10)).until(() -> r.connection().connected());
        }
    }

    private dev.pilothouse.session.Session dummy() {
        return engine.create(dev.pilothouse.engine.CreateRequest.of("probe", "reference"), null).session();
    }
}
