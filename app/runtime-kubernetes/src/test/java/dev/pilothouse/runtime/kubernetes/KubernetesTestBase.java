package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.testing.TestRuntimes;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An engine whose context {@code lab} is a Kubernetes runtime on the fake cluster (the fabric8
 * mock server in CRUD mode plus the kubelet fixture), namespace {@code team-a}.
 */
abstract class KubernetesTestBase {
    static final String CONTEXT = "lab";
    static final String NS = "team-a";

    @TempDir
    Path dataDir;
    @TempDir
    Path volumes;
    FakeCluster cluster;
    FakeKubelet kubelet;
    KubernetesClient api;
    Engine engine;
    final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Short timeouts so that failures are seen in a test's time; every other key as shipped. */
    KubernetesSettings settings() {
        return KubernetesSettings.DEFAULTS.with(Map.of("connectTimeoutSeconds", 1, "requestTimeoutSeconds", 10,
                "heartbeatSeconds", 1, "requestRetries", 3, "requestRetryIntervalMillis", 20,
                "terminationGracePeriodSeconds", 0));
    }

    Clock runtimeClock() {
        return Clock.systemUTC();
    }

    @BeforeEach
    void startCluster() {
        cluster = new FakeCluster();
        kubelet = new FakeKubelet(cluster, volumes, runtimeClock());
        api = cluster.directClient();
        engine = openEngine(dataDir, "alice");
        engine.subscribe(events::add);
        engine.useContext(CONTEXT, NS);
    }

    /** An engine on {@code dir} (another workstation when it is another dir) with the lab context. */
    Engine openEngine(Path dir, String actor) {
        return openEngine(dir, actor, settings());
    }

    Engine openEngine(Path dir, String actor, KubernetesSettings st) {
        Runtimes runtimes = TestRuntimes.withContext(dir, CONTEXT,
                () -> KubernetesRuntime.connect(CONTEXT, cluster.client(NS, st), st, runtimeClock()));
        Engine e = Engine.open(EngineConfig.of(dir).withActor(actor).withStartTimeout(Duration.ofSeconds(90)), runtimes);
        toClose.add(0, e);
        return e;
    }

    @AfterEach
    void stopCluster() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
        kubelet.close();
        api.close();
        cluster.close();
    }

    /** Registers an agent with this image (and otherwise the reference agent's definition). */
    AgentDefinition agentWithImage(String name, String image) {
        return engine.createAgent(new AgentDefinition(null, name, image, List.of(), "test-model",
                "instructions of " + name, Map.of("GREETING", "hello"), 8080, new Resources("250m", "128Mi", null),
                null, null, null));
    }

    Pod pod(Session s) {
        return api.pods().inNamespace(s.namespace()).withName(ObjectNames.of(s.id())).get();
    }

    PersistentVolumeClaim claim(Session s) {
        return api.persistentVolumeClaims().inNamespace(s.namespace()).withName(ObjectNames.of(s.id())).get();
    }

    NetworkPolicy policy(Session s) {
        return api.network().v1().networkPolicies().inNamespace(s.namespace()).withName(ObjectNames.of(s.id())).get();
    }

    Session fresh(Session s) {
        return engine.session(s.id());
    }

    KubernetesRuntime runtime(Session s) {
        return (KubernetesRuntime) engine.runtime(s);
    }
}
