package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.local.LocalRuntimeProvider;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process in a pod, as the server deployed by packaging/kubernetes is ({@link PodServiceAccount}):
 * the fake cluster served over TLS with its own CA, the service account's token and namespace, and
 * no kubeconfig.
 */
class InClusterTest {
    private static final String POD_NS = "agents-prod";

    @TempDir
    Path dataDir;
    @TempDir
    Path saDir;
    @TempDir
    Path volumes;
    private FakeCluster cluster;
    private PodServiceAccount pod;
    private FakeKubelet kubelet;
    private Engine engine;

    @BeforeEach
    void inAPod() {
        cluster = new FakeCluster(true);
        pod = new PodServiceAccount(cluster, saDir, POD_NS);
    }

    @AfterEach
    void leaveThePod() {
        if (engine != null) {
            engine.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        cluster.close();
        pod.close();
    }
    @Test
    void aPodWithAServiceAccountAndNoKubeconfigHasTheContextInClusterInThePodsNamespaceAsTheDefault() {
        KubernetesRuntimeProvider provider = new KubernetesRuntimeProvider();
        assertThat(provider.contexts(dataDir)).containsExactly(
                new RuntimeProvider.Context("in-cluster", POD_NS, false, cluster.url()));
        assertThat(provider.preferredContext(dataDir)).isEqualTo("in-cluster");
        assertThat(provider.accepted(dataDir)).contains("in-cluster");

        Runtimes runtimes = new Runtimes(dataDir, List.of(new LocalRuntimeProvider(), provider));
        assertThat(runtimes.contexts()).containsExactly("local", "in-cluster");
        assertThat(runtimes.defaultContext()).isEqualTo("in-cluster");
    }

    @Test
    void kubernetesYamlMayStillChooseTheNamespace() throws IOException {
        Files.writeString(dataDir.resolve(KubernetesSettings.FILE), "contexts:\n  in-cluster:\n    namespace: elsewhere\n");
        assertThat(new KubernetesRuntimeProvider().contexts(dataDir)).extracting(RuntimeProvider.Context::namespace)
                .containsExactly("elsewhere");
    }

    @Test
    void noServiceHostNoTokenOrAKubeconfigMeansNoInClusterContext() throws IOException {
        KubernetesRuntimeProvider provider = new KubernetesRuntimeProvider();
        String host = System.getProperty(Config.KUBERNETES_SERVICE_HOST_PROPERTY);
        pod.set(Config.KUBERNETES_SERVICE_HOST_PROPERTY, null);
        if (System.getenv(Config.KUBERNETES_SERVICE_HOST_PROPERTY) == null) { // the tests themselves may run in a pod
            assertThat(provider.contexts(dataDir)).isEmpty();
            assertThat(provider.preferredContext(dataDir)).isNull();
        }
        pod.set(Config.KUBERNETES_SERVICE_HOST_PROPERTY, host);

        Files.move(pod.token(), saDir.resolve("token.gone"));
        assertThat(provider.contexts(dataDir)).isEmpty();
        Files.move(saDir.resolve("token.gone"), pod.token());
        assertThat(provider.contexts(dataDir)).extracting(RuntimeProvider.Context::name).containsExactly("in-cluster");

        // a kubeconfig wins, as it does for fabric8 and kubectl: its contexts, and local stays the default
        Files.writeString(pod.kubeconfig(), """
                apiVersion: v1
                kind: Config
                clusters: [{name: lab, cluster: {server: "https://lab.example:6443"}}]
                users: [{name: me, user: {token: abc}}]
                contexts: [{name: lab, context: {cluster: lab, user: me, namespace: team-a}}]
                current-context: lab
                """);
        assertThat(provider.contexts(dataDir)).extracting(RuntimeProvider.Context::name).containsExactly("lab");
        assertThat(provider.preferredContext(dataDir)).isNull();
        assertThat(new Runtimes(dataDir, List.of(new LocalRuntimeProvider(), provider)).defaultContext()).isEqualTo("local");
    }

    @Test
    void sessionsRunInThePodsNamespaceThroughTheServiceAccountOverTheClustersCa() throws IOException {
        kubelet = new FakeKubelet(cluster, volumes, Clock.systemUTC());
        Runtimes runtimes = new Runtimes(dataDir, List.of(new LocalRuntimeProvider(), new KubernetesRuntimeProvider()));
        engine = Engine.open(EngineConfig.of(dataDir).withActor("server").withStartTimeout(Duration.ofSeconds(90)), runtimes);
        Engine here = engine.at(engine.defaultContext(), null);
        assertThat(here.context()).isEqualTo("in-cluster");
        assertThat(here.namespace()).isEqualTo(POD_NS);
        assertThat(here.connection().connected()).as(here.connection().describe()).isTrue();

        Session s = here.create(new CreateRequest("in-the-cluster", null, null, List.of("reference"), "", null, null,
                null, null), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        assertThat(s.context()).isEqualTo("in-cluster");
        assertThat(s.namespace()).isEqualTo(POD_NS);
        assertThat(cluster.directClient().pods().inNamespace(POD_NS).withName(ObjectNames.of(s.id())).get()).isNotNull();
        // the message goes through a port-forward over TLS, as every request, with the pod's token
        assertThat(here.send("in-the-cluster", null, "$ echo from-the-pod", null).reply().content()).contains("from-the-pod");
        assertThat(cluster.authorizations).containsExactly("Bearer " + PodServiceAccount.TOKEN);

        // the kubelet rotates the token file; the API server refuses the old token once it expires
        Files.writeString(pod.token(), "service-account-token-2");
        cluster.fail("POST", "/apis/authorization.k8s.io/", 401, 1);
        KubernetesRuntime runtime = (KubernetesRuntime) engine.runtime(s);
        assertThat(runtime.checkConnection().connected()).as(runtime.connection().describe()).isTrue();
        assertThat(cluster.authorizations).contains("Bearer service-account-token-2");
    }
}
