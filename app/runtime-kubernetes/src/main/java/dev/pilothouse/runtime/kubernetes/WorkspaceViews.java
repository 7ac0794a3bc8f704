package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.session.Session;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Opens the workspace browser's view of a session: its first agent container while that runs,
 * else a read-only inspector pod ({@link InspectorPod}) on the volume, deleted when the view is
 * closed (and by its own deadline otherwise).
 */
final class WorkspaceViews {
    private static final Logger log = LoggerFactory.getLogger(WorkspaceViews.class);
    /** How long one workspace command may take (a big archive over a slow link). */
    private static final long EXEC_TIMEOUT_SECONDS = 30 * 60;
    /** How long an inspector may take to run (scheduled, image pulled, volume attached). */
    private static final Duration INSPECTOR_START = Duration.ofMinutes(2);
    static final String PAUSED = "the session is paused: its workspace is read-only; resume it to change files";
    static final String NOT_RUNNING = "the session's agents are not running now (starting or restarting): its workspace "
            + "is read-only until they run";
    /** Set by the provisioner when a volume waits for its first consumer: the node it lives on. */
    private static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

    private final KubernetesRuntime runtime;
    private final KubernetesClient client;
    private final KubernetesSettings st;
    private final SecureRandom random = new SecureRandom();
    /** Inspectors of views still open ("namespace/name"): deleted when the runtime closes. */
    private final java.util.Set<String> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * An inspector in use by {@code holders} views of a session, or (0 holders) kept for the next one
     * until {@code expiry} ends it: a browser lists, opens and downloads one after another, and a pod
     * start for each would cost seconds every click.
     */
    private record Lease(String ns, String name, String readOnly, int holders, java.util.concurrent.Future<?> expiry) {
    }

    private final Map<String, Lease> leases = new java.util.HashMap<>(); // by session id, guarded by this
    private final java.util.concurrent.ScheduledExecutorService expiries =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "inspector-expiry");
                t.setDaemon(true);
                return t;
            });
    /** How long an inspector no view uses is kept for the next (its own deadline ends it anyway). */
    private volatile Duration keep = Duration.ofMinutes(2);

    WorkspaceViews(KubernetesRuntime runtime, KubernetesClient client, KubernetesSettings st) {
        this.runtime = runtime;
        this.client = client;
        this.st = st;
    }

    PodWorkspaceFiles open(Session s, NamespaceInformers cache) {
        String ns = s.namespace();
        Pod pod = cache.pod(ObjectNames.of(s.id()));
        boolean up = pod != null && pod.getMetadata().getDeletionTimestamp() == null;
        if (up && !pod.getSpec().getContainers().isEmpty()) {
            Container first = pod.getSpec().getContainers().get(0);
            if (running(pod, first.getName())) {
                PodWorkspaceFiles view = new PodWorkspaceFiles(shell(ns, pod.getMetadata().getName(), first.getName()),
                        mountPath(first), null, null);
                try {
                    view.hasTar(); // the first command: whether a shell runs there at all
                    return view;
                } catch (PodShell.CannotRun e) {
                    log.info("session {}: no shell in agent container '{}' ({}); an inspector pod shows the workspace",
                            s.id(), first.getName(), e.getMessage());
                    return inspector(s, cache, pod.getSpec().getNodeName(), "agent '" + first.getName() + "' has no "
                            + "shell in its image: its workspace is shown read-only, through an inspector pod");
                }
            }
        }
        PersistentVolumeClaim pvc = cache.claim(ObjectNames.of(s.id()));
        if (pvc == null || pvc.getMetadata().getDeletionTimestamp() != null) {
            throw new NotFoundException("session '" + s.name() + "' has no volume in " + ns + " (PVC "
                    + ObjectNames.of(s.id()) + (pvc == null ? " does not exist" : " is being deleted") + ")");
        }
        String node = up && pod.getSpec().getNodeName() != null ? pod.getSpec().getNodeName()
                : pvc.getMetadata().getAnnotations() == null ? null : pvc.getMetadata().getAnnotations().get(SELECTED_NODE);
        return inspector(s, cache, node, up ? NOT_RUNNING : PAUSED);
    }

    /** How long an unused inspector is kept for the next view; zero deletes it when its last view closes. */
    void keepInspectors(Duration d) {
        keep = d;
    }

    private PodWorkspaceFiles inspector(Session s, NamespaceInformers cache, String node, String readOnly) {
        String ns = s.namespace();
        synchronized (this) {
            Lease l = leases.get(s.id());
            if (l != null) {
                Pod p = cache.pod(l.name());
                if (l.readOnly().equals(readOnly) && p != null && running(p, InspectorPod.CONTAINER)) {
                    if (l.expiry() != null) {
                        l.expiry().cancel(false);
                    }
                    leases.put(s.id(), new Lease(l.ns(), l.name(), readOnly, l.holders() + 1, null));
                    return leased(s.id(), l.ns(), l.name(), readOnly);
                }
                drop(s.id());
            }
        }
        byte[] b = new byte[3];
        random.nextBytes(b);
        String name = ObjectNames.inspectorPod(s.id(), HexFormat.of().formatHex(b));
        // those whose deadline ended them (a console gone before it closed its view) stay as Failed pods until deleted
        removeAll(ns, s.id(), cache, true);
        open.add(ns + "/" + name);
        runtime.createPod(InspectorPod.build(s, name, node, st), "create pods");
        log.info("session {}: inspector pod {}/{} created for the workspace browser", s.id(), ns, name);
        try {
            awaitRunning(cache, name);
        } catch (RuntimeException e) {
            remove(ns, name);
            throw e;
        }
        synchronized (this) {
            leases.put(s.id(), new Lease(ns, name, readOnly, 1, null));
        }
        return leased(s.id(), ns, name, readOnly);
    }

    private PodWorkspaceFiles leased(String sessionId, String ns, String name, String readOnly) {
        return new PodWorkspaceFiles(shell(ns, name, InspectorPod.CONTAINER), st.workspacePath(), readOnly,
                () -> release(sessionId, name));
    }

    /** A view closed: the inspector stays for the next one for {@link #keep}, then goes. */
    private synchronized void release(String sessionId, String name) {
        Lease l = leases.get(sessionId);
        if (l == null || !l.name().equals(name)) {
            return; // removed meanwhile (a resume, a purge)
        }
        if (l.holders() > 1) {
            leases.put(sessionId, new Lease(l.ns(), name, l.readOnly(), l.holders() - 1, null));
        } else if (keep.isZero() || keep.isNegative()) {
            drop(sessionId);
        } else {
            var f = expiries.schedule(() -> expire(sessionId, name), keep.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            leases.put(sessionId, new Lease(l.ns(), name, l.readOnly(), 0, f));
        }
    }

    private synchronized void expire(String sessionId, String name) {
        Lease l = leases.get(sessionId);
        if (l != null && l.name().equals(name) && l.holders() == 0) {
            drop(sessionId);
        }
    }

    /** Ends a session's lease and deletes its inspector. */
    private synchronized void drop(String sessionId) {
        Lease l = leases.remove(sessionId);
        if (l != null) {
            if (l.expiry() != null) {
                l.expiry().cancel(false);
            }
            remove(l.ns(), l.name());
        }
    }

    /** Waits on the informer's cache until the inspector runs; fails at once on what will not change. */
    private void awaitRunning(NamespaceInformers cache, String name) {
        long deadline = System.nanoTime() + INSPECTOR_START.toNanos();
        String waiting = "not scheduled yet";
        while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            Pod p = cache.pod(name);
            if (p != null && p.getStatus() != null) {
                if (running(p, InspectorPod.CONTAINER)) {
                    return;
                }
                String phase = p.getStatus().getPhase();
                if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
                    throw new OperationFailedException("the inspector pod " + cache.namespace + "/" + name + " ended ("
                            + phase + (p.getStatus().getReason() == null ? "" : ", " + p.getStatus().getReason())
                            + ") before it could show the workspace");
                }
                ContainerStatus cs = PodStates.containerStatus(p, InspectorPod.CONTAINER);
                if (cs != null && cs.getState() != null && cs.getState().getWaiting() != null) {
                    var w = cs.getState().getWaiting();
                    waiting = PodStates.reason(w.getReason(), w.getMessage());
                    if (PodStates.FATAL_WAITING.contains(w.getReason())) {
                        throw new OperationFailedException("the inspector pod " + cache.namespace + "/" + name
                                + " cannot start: " + waiting + " (image " + st.copyImage() + ", setting copyImage)");
                    }
                } else if (p.getSpec() != null && p.getSpec().getNodeName() != null) {
                    waiting = "scheduled on " + p.getSpec().getNodeName();
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        throw new OperationFailedException("the inspector pod " + cache.namespace + "/" + name + " did not run within "
                + INSPECTOR_START.toSeconds() + " s (" + waiting + ")");
    }

    /** Deletes an inspector now, without waiting: it only sleeps. */
    void remove(String ns, String name) {
        open.remove(ns + "/" + name);
        try {
            if (!client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete().isEmpty()) {
                log.info("inspector pod {}/{} deleted", ns, name);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                log.warn("inspector pod {}/{} could not be deleted (its deadline ends it): {}", ns, name,
                        KubeErrors.rootMessage(e));
            }
        }
    }

    /** Deletes every inspector of a session: before its pod starts (the volume may be ReadWriteOnce) and when it is purged. */
    void removeAll(String ns, String sessionId, NamespaceInformers cache) {
        removeAll(ns, sessionId, cache, false);
    }

    private void removeAll(String ns, String sessionId, NamespaceInformers cache, boolean finishedOnly) {
        if (!finishedOnly) {
            drop(sessionId);
        }
        Map<String, String> want = Map.of(ObjectNames.SESSION, ObjectNames.label(sessionId),
                ObjectNames.ROLE, ObjectNames.ROLE_INSPECTOR);
        cache.pods().stream()
                .filter(p -> p.getMetadata().getLabels() != null && want.entrySet().stream()
                        .allMatch(e -> Objects.equals(p.getMetadata().getLabels().get(e.getKey()), e.getValue())))
                .filter(p -> !finishedOnly || p.getStatus() != null && ("Failed".equals(p.getStatus().getPhase())
                        || "Succeeded".equals(p.getStatus().getPhase())))
                .forEach(p -> remove(ns, p.getMetadata().getName()));
    }

    /** The runtime closes: the inspectors of views left open go (their deadline would end them later). */
    void closeAll() {
        synchronized (this) {
            List.copyOf(leases.keySet()).forEach(this::drop);
        }
        expiries.shutdownNow();
        for (String key : List.copyOf(open)) {
            int slash = key.indexOf('/');
            remove(key.substring(0, slash), key.substring(slash + 1));
        }
    }

    /** Counts the volume's files and bytes: a script for the agent container, the mount as $1. */
    private static final String SIZE = "find \"$1\" -type f -exec stat -c %s {} + | awk '{s+=$1; n++} END {print n+0, s+0}'";

    /**
     * The volume's size as {bytes, files}, counted in the first agent container while it runs (for
     * the metrics sampler); empty when it does not run or has no shell: no inspector is made for it.
     */
    java.util.Optional<long[]> size(Session s, NamespaceInformers cache) {
        Pod pod = cache.pod(ObjectNames.of(s.id()));
        if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || pod.getSpec().getContainers().isEmpty()) {
            return java.util.Optional.empty();
        }
        Container first = pod.getSpec().getContainers().get(0);
        if (!running(pod, first.getName())) {
            return java.util.Optional.empty();
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            PodShell.Result r = new PodShell(client, runtime.context(), s.namespace(), pod.getMetadata().getName(),
                    first.getName(), 60).run(SIZE, List.of(mountPath(first)), null, out);
            String[] f = out.toString(java.nio.charset.StandardCharsets.UTF_8).trim().split("\\s+");
            return r.code() == 0 && f.length == 2 ? java.util.Optional.of(new long[] {Long.parseLong(f[1]), Long.parseLong(f[0])})
                    : java.util.Optional.empty();
        } catch (RuntimeException e) {
            log.debug("session {}: volume size not counted: {}", s.id(), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private PodShell shell(String ns, String pod, String container) {
        return new PodShell(client, runtime.context(), ns, pod, container, EXEC_TIMEOUT_SECONDS);
    }

    private String mountPath(Container c) {
        return c.getVolumeMounts().stream().filter(m -> AgentPod.WORKSPACE_VOLUME.equals(m.getName()))
                .map(VolumeMount::getMountPath).findFirst().orElse(st.workspacePath());
    }

    private static boolean running(Pod pod, String container) {
        ContainerStatus cs = PodStates.containerStatus(pod, container);
        return cs != null && cs.getState() != null && cs.getState().getRunning() != null;
    }
}
