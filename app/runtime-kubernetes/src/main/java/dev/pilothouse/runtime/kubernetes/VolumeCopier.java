package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.runtime.CopyProgress;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.runtime.VolumeCopy;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Fills a remix's new PVC from its parent's: a CSI clone ({@code dataSource}) where the storage
 * class is configured as able to clone and everything is copied, otherwise a copy pod whose
 * progress lines become {@link CopyProgress} updates. All or nothing: a failed copy leaves no PVC.
 */
final class VolumeCopier {
    private static final Logger log = LoggerFactory.getLogger(VolumeCopier.class);
    private static final Set<String> DONE = Set.of("Succeeded", "Failed");

    private final KubernetesRuntime runtime;
    private final KubernetesClient client;
    private final KubernetesSettings st;

    VolumeCopier(KubernetesRuntime runtime, KubernetesClient client, KubernetesSettings st) {
        this.runtime = runtime;
        this.client = client;
        this.st = st;
    }

    void copy(String fromId, String toId, String namespace, String storage, Map<String, String> annotations,
              VolumeCopy what, CopyProgress progress) {
        String context = runtime.context();
        NamespaceInformers cache = runtime.informers(namespace);
        PersistentVolumeClaim parent = cache.claim(ObjectNames.of(fromId));
        boolean anything = what.workspace() || what.conversation();
        if (anything && parent == null) {
            throw new OperationFailedException("the parent's volume (PVC " + namespace + "/" + ObjectNames.of(fromId)
                    + ") does not exist in context '" + context + "'; nothing to copy");
        }
        String childPvc = ObjectNames.of(toId);
        runtime.deleteVolumeObject(namespace, toId);
        if (!anything) {
            runtime.createClaim(WorkspaceClaim.build(toId, namespace, storage, annotations, null, st));
            progress.update(0, 0, 0, 0);
            return;
        }
        if (st.storageClassSupportsClone() && what.workspace() && what.conversation()) {
            // a clone is at least as big as its source
            String size = larger(storage, requested(parent));
            runtime.createClaim(WorkspaceClaim.build(toId, namespace, size, annotations, parent.getMetadata().getName(), st));
            log.info("remix {}: PVC {} cloned from {} by the storage driver", toId, childPvc, parent.getMetadata().getName());
            progress.update(0, 0, 1, 1);
            return;
        }
        runtime.createClaim(WorkspaceClaim.build(toId, namespace, larger(storage, requested(parent)), annotations, null, st));
        boolean ok = false;
        try {
            runCopyPod(fromId, toId, namespace, what, progress);
            ok = true;
        } finally {
            runtime.deletePod(namespace, ObjectNames.copyPod(toId), "delete pods");
            if (!ok) {
                runtime.deleteVolumeObject(namespace, toId);
            }
        }
    }

    private void runCopyPod(String fromId, String toId, String namespace, VolumeCopy what, CopyProgress progress) {
        String name = ObjectNames.copyPod(toId);
        runtime.deletePod(namespace, name, "delete pods");
        Pod parentPod = runtime.informers(namespace).pod(ObjectNames.of(fromId));
        String node = parentPod == null || parentPod.getSpec() == null ? null : parentPod.getSpec().getNodeName();
        runtime.createPod(CopyPod.build(fromId, toId, namespace, what, node, st), "create pods");
        long timeout = st.copyTimeout().toMillis();
        Pod started = awaitPod(namespace, name, p -> p == null || p.getStatus() != null
                && ("Running".equals(p.getStatus().getPhase()) || DONE.contains(p.getStatus().getPhase())), timeout);
        if (started == null) {
            throw new OperationFailedException("the copy pod " + namespace + "/" + name + " was deleted before it finished");
        }
        long[] totals = {0, 0};
        LogSubscription follow = PodLogs.read(client, namespace, name, CopyPod.CONTAINER, new LogOptions(-1, true, false),
                lines -> lines.forEach(l -> onLine(l, totals, progress)));
        Pod done;
        try {
            done = awaitPod(namespace, name, p -> p == null || p.getStatus() != null
                    && DONE.contains(p.getStatus().getPhase()), timeout);
        } finally {
            follow.close();
        }
        if (done == null) {
            throw new OperationFailedException("the copy pod " + namespace + "/" + name + " was deleted before it finished");
        }
        if (!"Succeeded".equals(done.getStatus().getPhase())) {
            String why = done.getStatus().getContainerStatuses().stream()
                    .map(c -> c.getState() == null || c.getState().getTerminated() == null ? null : c.getState().getTerminated())
                    .filter(t -> t != null)
                    .map(t -> "exit " + t.getExitCode() + (t.getMessage() == null ? "" : ": " + t.getMessage().strip()))
                    .findFirst().orElse(PodStates.reason(done.getStatus().getReason(), done.getStatus().getMessage()));
            throw new OperationFailedException("copying the volume failed in pod " + namespace + "/" + name + " (" + why + ")");
        }
        if (totals[0] == 0) {
            // the follow may have started before the log existed: read it whole once
            try {
                PodLogs.parse(PodLogs.loggable(client, namespace, name, CopyPod.CONTAINER, LogOptions.ALL, false).getLog())
                        .forEach(l -> onLine(l, totals, CopyProgress.NONE));
            } catch (RuntimeException e) {
                log.debug("copy pod {}/{}: log not readable: {}", namespace, name, e.toString());
            }
        }
        progress.update(totals[1], totals[1], totals[0], totals[0]);
    }

    /** "pilothouse-copy total|done|complete FILES BYTES" from the copy script. */
    private static void onLine(LogLine line, long[] totals, CopyProgress progress) {
        String t = line.text();
        if (!t.startsWith(CopyPod.PREFIX)) {
            return;
        }
        String[] p = t.substring(CopyPod.PREFIX.length()).trim().split("\\s+");
        if (p.length != 3) {
            return;
        }
        try {
            long files = Long.parseLong(p[1]);
            long bytes = Long.parseLong(p[2]);
            if (p[0].equals("total")) {
                totals[0] = files;
                totals[1] = bytes;
                progress.update(0, bytes, 0, files);
            } else if (!p[0].equals("complete")) {
                progress.update(bytes, totals[1], files, totals[0]);
            }
        } catch (NumberFormatException e) {
            // not a progress line after all
        }
    }

    /**
     * Waits on the runtime's informer cache (no extra watch) until the copy pod satisfies {@code
     * until}; null once it is gone.
     */
    private Pod awaitPod(String namespace, String name, java.util.function.Predicate<Pod> until, long timeoutMillis) {
        NamespaceInformers cache = runtime.informers(namespace);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean seen = false;
        while (System.nanoTime() < deadline) {
            Pod p = cache.pod(name);
            seen |= p != null;
            if (p != null && until.test(p)) {
                return p;
            }
            if (p == null && seen) {
                return null;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            if (Thread.currentThread().isInterrupted()) {
                // parkNanos returns at once for an interrupted thread: stop rather than spin until the deadline
                throw new OperationFailedException("interrupted while waiting for the copy pod " + namespace + "/" + name);
            }
        }
        throw new OperationFailedException("the copy pod " + namespace + "/" + name + " did not "
                + (seen ? "finish" : "appear") + " within " + st.copyTimeout().toSeconds() + " s");
    }

    private static String requested(PersistentVolumeClaim pvc) {
        Quantity q = pvc.getSpec() == null || pvc.getSpec().getResources() == null ? null
                : pvc.getSpec().getResources().getRequests().get("storage");
        return q == null ? null : q.toString();
    }

    static String larger(String a, String b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        BigDecimal x = Quantity.getAmountInBytes(new Quantity(a));
        BigDecimal y = Quantity.getAmountInBytes(new Quantity(b));
        return x.compareTo(y) >= 0 ? a : b;
    }
}
