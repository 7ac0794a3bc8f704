package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Item 5: with a storage class configured as clone-capable, a remix is a CSI dataSource clone. */
class CloneRemixTest extends KubernetesTestBase {
    @Override
    KubernetesSettings settings() {
        return super.settings().with(Map.of("storageClass", "csi-cloning", "storageClassSupportsClone", true));
    }

    @Test
    void remixClonesThePvcWithADataSource() throws Exception {
        Session parent = engine.create(CreateRequest.of("origin", "reference"), null).session();
        engine.send("origin", null, "$ echo cloned > data.txt", null);
        Session child = engine.remix("origin", RemixRequest.inherit().named("clone").copying(true, true), null).session();

        assertThat(child.state()).as(child.terminationReason()).isEqualTo(SessionState.READY);
        var spec = claim(child).getSpec();
        assertThat(spec.getStorageClassName()).isEqualTo("csi-cloning");
        assertThat(spec.getDataSource().getKind()).isEqualTo("PersistentVolumeClaim");
        assertThat(spec.getDataSource().getName()).isEqualTo(ObjectNames.of(parent.id()));
        assertThat(spec.getDataSource().getApiGroup()).isNull();
        assertThat(cluster.requests).noneMatch(r -> r.startsWith("POST") && r.contains(ObjectNames.copyPod(child.id())));
        assertThat(api.pods().inNamespace(NS).withLabel(ObjectNames.ROLE, ObjectNames.ROLE_COPY).list().getItems()).isEmpty();
        assertThat(Files.readString(kubelet.volume(NS, ObjectNames.of(child.id())).resolve("data.txt"))).contains("cloned");
    }

    @Test
    void aPartialCopyStillUsesACopyPodBecauseAClonesEverything() {
        engine.create(CreateRequest.of("origin", "reference"), null);
        Session child = engine.remix("origin", RemixRequest.inherit().named("partial").copying(true, false), null).session();
        assertThat(child.state()).as(child.terminationReason()).isEqualTo(SessionState.READY);
        assertThat(claim(child).getSpec().getDataSource()).isNull();
    }
}
