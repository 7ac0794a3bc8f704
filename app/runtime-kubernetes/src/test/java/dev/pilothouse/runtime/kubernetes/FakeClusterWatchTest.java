package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The test cluster's watches, as an API server's: one from a resourceVersion gets what changed
 * after it (the fabric8 mock alone replays every object on every watch, which made each informer
 * decode its whole first list twice); one without gets every object first.
 */
class FakeClusterWatchTest {
    private final FakeCluster cluster = new FakeCluster();
    private final KubernetesClient client = cluster.directClient();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        watches.forEach(Watch::close);
        client.close();
        cluster.close();
    }

    @Test
    void aWatchFromAListsResourceVersionGetsOnlyLaterChanges() {
        create("before-1", "a");
        create("before-2", "a");
        String listedAt = client.configMaps().inNamespace("ns").list().getMetadata().getResourceVersion();
        assertThat(listedAt).matches("[1-9][0-9]*");
        // changed after the list: a new object, and an old one modified
        create("after", "b");
        client.configMaps().inNamespace("ns").withName("before-2").edit(c -> new ConfigMapBuilder(c).addToData("k", "c").build());

        List<String> resumed = watch(listedAt);
        List<String> whole = watch(null);

        await().untilAsserted(() -> assertThat(whole).containsExactlyInAnyOrder("ADDED before-1 a", "ADDED before-2 c",
                "ADDED after b"));
        await().untilAsserted(() -> assertThat(resumed).containsExactlyInAnyOrder("ADDED before-2 c", "ADDED after b"));

        // and from then on both get every change
        create("later", "d");
        await().untilAsserted(() -> assertThat(resumed).contains("ADDED later d"));
        await().untilAsserted(() -> assertThat(whole).contains("ADDED later d"));
        assertThat(resumed).doesNotContain("ADDED before-1 a");
    }

    private void create(String name, String value) {
        client.configMaps().inNamespace("ns").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace("ns").endMetadata().addToData("k", value).build()).create();
    }

    private List<String> watch(String resourceVersion) {
        List<String> seen = new CopyOnWriteArrayList<>();
        Watcher<ConfigMap> w = new Watcher<>() {
            @Override
            public void eventReceived(Action action, ConfigMap c) {
                seen.add(action + " " + c.getMetadata().getName() + " " + c.getData().get("k"));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
        var op = client.configMaps().inNamespace("ns");
        watches.add(resourceVersion == null ? op.watch(w)
                : op.watch(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withResourceVersion(resourceVersion)
                .build(), w));
        return seen;
    }
}
