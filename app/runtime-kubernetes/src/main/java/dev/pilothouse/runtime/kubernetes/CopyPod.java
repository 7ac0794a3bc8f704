package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.VolumeCopy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.List;
import java.util.Map;

/**
 * The pod that fills a remix's new volume from its parent's when the storage class cannot clone:
 * it mounts the parent's PVC read-only and the child's, copies with tar in chunks, and prints
 * progress lines the runtime reads from its log:
 * <pre>
 * pilothouse-copy total FILES BYTES
 * pilothouse-copy done FILES BYTES
 * pilothouse-copy complete FILES BYTES
 * </pre>
 */
final class CopyPod {
    static final String PREFIX = "pilothouse-copy ";
    static final String CONTAINER = "copy";

    private CopyPod() {
    }

    /** The shell script; $1 is what to copy: "all", "workspace" (without the history) or "conversation". */
    static final String SCRIPT = """
            set -eu
            cd /from
            case "$1" in
              all) find . -mindepth 1 ! -type d > /tmp/files; find . -mindepth 1 -type d > /tmp/dirs ;;
              workspace) find . -mindepth 1 ! -type d ! -path './%1$s/*' > /tmp/files
                         find . -mindepth 1 -type d ! -path './%1$s' ! -path './%1$s/*' > /tmp/dirs ;;
              conversation) find . -mindepth 1 ! -type d -path './%1$s/*' > /tmp/files
                            find . -mindepth 1 -type d \\( -path './%1$s' -o -path './%1$s/*' -o -path './.pilothouse' \\) > /tmp/dirs ;;
            esac
            files=$(wc -l < /tmp/files)
            bytes=$(tr '\\n' '\\0' < /tmp/files | xargs -0 -r stat -c %%s | awk '{s+=$1} END {print s+0}')
            echo "pilothouse-copy total $files $bytes"
            while IFS= read -r d; do mkdir -p "/to/$d"; done < /tmp/dirs
            split -l 500 /tmp/files /tmp/chunk.
            n=0; b=0
            for c in /tmp/chunk.*; do
              [ -e "$c" ] || continue
              tar -cf - -T "$c" | tar -xpf - -C /to
              n=$((n + $(wc -l < "$c")))
              b=$((b + $(tr '\\n' '\\0' < "$c" | xargs -0 -r stat -c %%s | awk '{s+=$1} END {print s+0}')))
              echo "pilothouse-copy done $n $b"
            done
            echo "pilothouse-copy complete $n $b"
            """.formatted(VolumeCopy.HISTORY_DIR);

    static String mode(VolumeCopy what) {
        return what.workspace() && what.conversation() ? "all" : what.workspace() ? "workspace" : "conversation";
    }

    /**
     * @param node the parent's node while its pod runs: a ReadWriteOnce volume can be mounted by a
     *             second pod only on the same node
     */
    static Pod build(String parentId, String childId, String namespace, VolumeCopy what, String node, KubernetesSettings st) {
        Map<String, Quantity> amounts = Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi"));
        var spec = new PodBuilder()
                .withNewMetadata()
                .withName(ObjectNames.copyPod(childId))
                .withNamespace(namespace)
                .withLabels(ObjectNames.labels(childId, ObjectNames.ROLE_COPY))
                .addToAnnotations("pilothouse.dev/copy-from", parentId)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withActiveDeadlineSeconds(st.copyTimeout().toSeconds())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(AgentPod.podSecurity(st))
                .addNewVolume().withName("from").withNewPersistentVolumeClaim(ObjectNames.of(parentId), true).endVolume()
                .addNewVolume().withName("to").withNewPersistentVolumeClaim(ObjectNames.of(childId), false).endVolume()
                .addNewContainer()
                .withName(CONTAINER)
                .withImage(st.copyImage())
                .withImagePullPolicy("IfNotPresent")
                .withCommand(List.of("sh", "-c", SCRIPT, "copy", mode(what)))
                .withNewResources().withRequests(amounts).withLimits(amounts).endResources()
                .withSecurityContext(AgentPod.containerSecurity())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .addNewVolumeMount().withName("from").withMountPath("/from").withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("to").withMountPath("/to").endVolumeMount()
                .endContainer();
        if (node != null) {
            spec.withAffinity(AgentPod.onNode(node));
        }
        return spec.endSpec().build();
    }
}
