package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The informers list nothing until started: the runtime first makes them the namespace's, since
 * the first list's items reach it on fabric8's threads and are looked up by namespace (a restart
 * seen at an engine's first list under load was once dropped so: RestartTest).
 */
class NamespaceInformersTest {
    private static final String NS = "team-a";
    private final FakeCluster cluster = new FakeCluster();
    private final KubernetesClient client = cluster.directClient();

    @AfterEach
    void close() {
        client.close();
        cluster.close();
    }

    /** What the listener was told, as "claim NAME live|listed". */
    private final List<String> told = new CopyOnWriteArrayList<>();

    private final NamespaceInformers.Listener listener = new NamespaceInformers.Listener() {
        @Override
        public void pod(String namespace, Pod before, Pod now, boolean live) {
            told.add("pod " + now.getMetadata().getName());
        }

        @Override
        public void podGone(String namespace, Pod last, boolean live) {
        }

        @Override
        public void claim(String namespace, PersistentVolumeClaim before, PersistentVolumeClaim now, boolean live) {
            told.add("claim " + now.getMetadata().getName() + (live ? " live" : " listed"));
        }

        @Override
        public void claimGone(String namespace, PersistentVolumeClaim last, boolean live) {
        }

        @Override
        public void event(String namespace, Event before, Event now) {
        }
    };

    @Test
    void nothingIsListedUntilStartedAndTheFirstListIsToldOnce() {
        client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("pilothouse-one").withNamespace(NS)
                .withLabels(Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER, ObjectNames.SESSION, "one")).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build()).create();
        try (NamespaceInformers inf = new NamespaceInformers(client, NS, 0, listener, (started, t) -> true)) {
            // built, not started: the first list, which takes milliseconds here, does not come
            assertThat(inf.awaitSynced(Duration.ofMillis(500))).isFalse();
            assertThat(told).isEmpty();
            assertThat(cluster.requestCount("GET", "/api/v1/namespaces/" + NS + "/persistentvolumeclaims")).isZero();

            inf.start();
            inf.start();
            assertThat(inf.awaitSynced(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> told.contains("claim pilothouse-one listed"));
            assertThat(told).containsExactly("claim pilothouse-one listed");
            assertThat(inf.claim("pilothouse-one")).isNotNull();
        }
    }
}
