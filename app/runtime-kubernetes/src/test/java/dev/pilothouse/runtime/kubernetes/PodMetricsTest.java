package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.session.Session;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, items 1 and 5: a session pod's CPU and memory from {@code metrics.k8s.io} when the
 * cluster serves it, and "not available" with the reason when it does not (404) or may not (403),
 * never an error.
 */
class PodMetricsTest extends KubernetesTestBase {

    private Session running(String name) {
        return engine.create(CreateRequest.of(name, "reference"), null).session();
    }

    @Test
    void aClusterServingMetricsGivesEachAgentContainersCpuAndMemory() {
        Session s = running("measured");
        cluster.serveMetrics((ns, pod) -> ns.equals(NS) && pod.equals(ObjectNames.of(s.id()))
                ? Map.of("reference", new String[] {"250m", "64Mi"}) : null);

        Current c = engine.sampleMetrics().get(s.id());

        assertThat(c.unavailable()).isNull();
        assertThat(c.cpu()).isEqualTo(0.25);
        assertThat(c.memory()).isEqualTo(64L * 1024 * 1024);
        assertThat(c.agents()).singleElement().satisfies(a -> {
            assertThat(a.agent()).isEqualTo("reference");
            assertThat(a.cpu()).isEqualTo(0.25);
        });
    }

    @Test
    void aClusterWithoutMetricsServerSaysSoAndIsNotAskedAgainForEverySession() {
        Session s = running("plain");
        Current c = engine.sampleMetrics().get(s.id());
        assertThat(c.cpu()).isNull();
        assertThat(c.memory()).isNull();
        assertThat(c.unavailable()).isEqualTo("not available: the cluster does not serve metrics.k8s.io (install metrics-server)");
        assertThat(c.agents()).singleElement().satisfies(a -> assertThat(a.unavailable()).isEqualTo(c.unavailable()));

        // remembered for a minute: a second round does not ask
        cluster.serveMetrics((ns, pod) -> Map.of("reference", new String[] {"1", "1Gi"}));
        assertThat(engine.sampleMetrics().get(s.id()).unavailable()).isEqualTo(c.unavailable());
    }

    @Test
    void aForbiddenMetricsApiNamesThePermission() {
        Session s = running("forbidden");
        cluster.fail("GET", "/apis/metrics.k8s.io/", 403, 1);
        Current c = engine.sampleMetrics().get(s.id());
        assertThat(c.unavailable()).startsWith("not available: forbidden to get pods.metrics.k8s.io");
        assertThat(engine.top()).singleElement().satisfies(r -> assertThat(r.current().unavailable()).isEqualTo(c.unavailable()));
    }

    @Test
    void aPodMetricsServerHasNotScrapedYetIsNotAvailableForNow() {
        Session s = running("young");
        cluster.serveMetrics((ns, pod) -> null);
        assertThat(engine.sampleMetrics().get(s.id()).unavailable())
                .isEqualTo("not available: metrics.k8s.io has no figures for this pod yet (metrics-server scrapes every 15-60 s)");
    }

    @Test
    void theVolumesSizeIsCountedInTheRunningAgentContainer() throws Exception {
        Session s = running("sized");
        java.nio.file.Path volume = kubelet.volume(NS, ObjectNames.of(s.id()));
        java.nio.file.Files.createDirectories(volume.resolve("data"));
        java.nio.file.Files.write(volume.resolve("data/blob.bin"), new byte[50_000]);
        long[] expected = dev.pilothouse.workspace.Trees.size(volume);

        Current c = engine.sampleMetrics().get(s.id());

        assertThat(c.workspaceBytes()).isEqualTo(expected[0]).isGreaterThanOrEqualTo(50_000);
        assertThat(c.workspaceFiles()).isEqualTo(expected[1]);
    }
}
