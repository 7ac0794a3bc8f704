package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.session.Resources;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.Map;

/** A session's volume: a ReadWriteOnce PVC sized from {@code resources.storage}, optionally cloned from a parent's. */
final class WorkspaceClaim {
    private WorkspaceClaim() {
    }

    /**
     * @param cloneOf the parent's PVC to clone with a CSI {@code dataSource}, or null for an empty volume
     */
    static PersistentVolumeClaim build(String sessionId, String namespace, String storage, Map<String, String> annotations,
                                       String cloneOf, KubernetesSettings st) {
        var spec = new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(ObjectNames.of(sessionId))
                .withNamespace(namespace)
                .withLabels(ObjectNames.labels(sessionId, ObjectNames.ROLE_VOLUME))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withVolumeMode("Filesystem")
                .withStorageClassName(st.storageClass())
                .withNewResources()
                .addToRequests("storage", new Quantity(storage == null ? Resources.DEFAULT.storage() : storage))
                .endResources();
        if (cloneOf != null) {
            spec.withNewDataSource().withKind("PersistentVolumeClaim").withName(cloneOf).endDataSource();
        }
        return spec.endSpec().build();
    }
}
