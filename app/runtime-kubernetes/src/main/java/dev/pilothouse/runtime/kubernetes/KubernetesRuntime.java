package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.ConnectionLoss;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.CopyProgress;
import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.runtime.RuntimeEvent;
import dev.pilothouse.runtime.StartLimits;
import dev.pilothouse.runtime.Stop;
import dev.pilothouse.runtime.SessionLookup;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.SessionUsage;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.workspace.WorkspaceFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions on a Kubernetes cluster, through fabric8: a PVC per session (its volume) and a pod per
 * session with one container per agent, behind a NetworkPolicy; agents reached through
 * port-forwards; status from informers on pods and PVCs. Labels and annotations on the objects
 * carry enough to find and adopt every session from any workstation.
 */
public final class KubernetesRuntime implements SessionRuntime, NamespaceInformers.Listener {
    private static final Logger log = LoggerFactory.getLogger(KubernetesRuntime.class);
    private static final Duration SYNC_WAIT = Duration.ofSeconds(20);

    private final String context;
    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final Clock clock;
    private final ConnectionMonitor monitor;
    private final PodUsage podUsage;
    private final PortForwards forwards;
    private final VolumeCopier copier;
    private final WorkspaceViews views;
    private final String kubeconfigNamespace;
    private final Map<String, NamespaceInformers> informers = new ConcurrentHashMap<>();
    private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers;
    private final SecureRandom random = new SecureRandom();
    private volatile SessionLookup lookup = SessionLookup.NONE;
    private volatile String namespace;

    /** Session id to namespace, for the calls that give only an id. */
    private final Map<String, String> namespaces = new ConcurrentHashMap<>();
    /** Uids of pods and PVCs this runtime is deleting: their disappearance is expected. */
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();
    /** Why a session's pod is gone, when Pilothouse on another workstation stopped it. */
    private final Map<String, String> stoppedElsewhere = new ConcurrentHashMap<>();
    /** Why a session's pod is gone, when someone else deleted it. */
    private final Map<String, String> lostPods = new ConcurrentHashMap<>();
    /** The phase last reported per session, so each change is reported once. */
    private final Map<String, Phase> phases = new ConcurrentHashMap<>();
    /** Logs being followed: they end with the runtime. */
    private final Set<LogFollow> follows = ConcurrentHashMap.newKeySet();
    /** Failures and exits already reported (session, pod uid, agent, restarts). */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    private KubernetesRuntime(String context, KubernetesClient client, KubernetesSettings settings, Clock clock) {
        this.context = context;
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.kubeconfigNamespace = client.getNamespace();
        this.namespace = defaultNamespace();
        this.copier = new VolumeCopier(this, client, settings);
        this.views = new WorkspaceViews(this, client, settings);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "k8s-deadlines-" + context);
            t.setDaemon(true);
            return t;
        });
        this.podUsage = new PodUsage(client, clock);
        this.monitor = new ConnectionMonitor(context, client, () -> this.namespace, settings, clock, this::connectionChanged);
        // a stream that cannot reach the API server: the connection check looks now, not at its next beat
        this.forwards = new PortForwards(client, context, settings.connectTimeout(), monitor::suspect);
    }

    /**
     * A runtime on a context's client: checks the connection (reachability and permissions) once,
     * then keeps checking on a heartbeat. An unreachable cluster still gives a runtime, which
     * reports itself unreachable and leaves every session as it is.
     */
    public static KubernetesRuntime connect(String context, KubernetesClient client, KubernetesSettings settings,
                                            Clock clock) {
        KubernetesRuntime r = new KubernetesRuntime(context, client, settings, clock);
        r.monitor.check();
        r.monitor.startHeartbeat(settings.heartbeat());
        return r;
    }

    @Override
    public String context() {
        return context;
    }

    public KubernetesSettings settings() {
        return settings;
    }

    @Override
    public ConnectionStatus connection() {
        return monitor.current();
    }

    /** Checks reachability and permissions now. */
    public ConnectionStatus checkConnection() {
        return monitor.check();
    }

    @Override
    public String defaultNamespace() {
        if (settings.namespace() != null) {
            return settings.namespace();
        }
        return kubeconfigNamespace == null || kubeconfigNamespace.isBlank() ? "default" : kubeconfigNamespace;
    }

    @Override
    public void useNamespace(String ns) {
        if (!ns.equals(namespace)) {
            namespace = ns;
            monitor.check();
        }
        informers(ns).awaitSynced(syncWait());
    }

    @Override
    public void useLookup(SessionLookup l) {
        this.lookup = l;
    }

    @Override
    public void subscribe(Consumer<RuntimeEvent> listener) {
        listeners.add(listener);
    }

    private void emit(RuntimeEvent e) {
        for (Consumer<RuntimeEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                log.error("runtime event listener failed on {}", e, ex);
            }
        }
    }

    /** Whether the API server could not be reached (or refused us) since the last time it could. */
    private volatile boolean wasCut;

    private void connectionChanged(ConnectionStatus s) {
        boolean cut = s.state() == ConnectionStatus.State.UNREACHABLE || s.state() == ConnectionStatus.State.UNAUTHORIZED;
        if (cut) {
            wasCut = true;
        } else if (s.connected() && wasCut) {
            wasCut = false;
            relist();
        }
        emit(new RuntimeEvent.ConnectionChanged(context, s));
    }

    /**
     * After an outage, every namespace is listed afresh (level-triggered: whatever the watches
     * missed is seen now), and objects that vanished meanwhile are reported as gone.
     */
    private void relist() {
        for (String ns : new ArrayList<>(informers.keySet())) {
            NamespaceInformers old = informers.get(ns);
            NamespaceInformers fresh = newInformers(ns);
            fresh.start();
            if (!fresh.awaitSynced(SYNC_WAIT)) {
                fresh.close();
                continue;
            }
            informers.put(ns, fresh);
            old.close();
            Set<String> pods = new java.util.HashSet<>();
            fresh.pods().forEach(p -> pods.add(p.getMetadata().getUid()));
            Set<String> claims = new java.util.HashSet<>();
            fresh.claims().forEach(c -> claims.add(c.getMetadata().getUid()));
            old.pods().stream().filter(p -> !pods.contains(p.getMetadata().getUid())).forEach(p -> podGone(ns, p, true));
            old.claims().stream().filter(c -> !claims.contains(c.getMetadata().getUid())).forEach(c -> claimGone(ns, c, true));
            log.info("context {}: namespace {} listed again after the outage", context, ns);
        }
    }

    private boolean reachable() {
        ConnectionStatus.State s = monitor.current().state();
        return s != ConnectionStatus.State.UNREACHABLE && s != ConnectionStatus.State.UNAUTHORIZED;
    }

    // ---- namespaces and caches ---------------------------------------------------------------

    NamespaceInformers informers(String ns) {
        NamespaceInformers inf = informers.computeIfAbsent(ns, this::newInformers);
        // started once it is the namespace's: the first list's items look it up there, and one told
        // before it was (a pod restarted while no engine ran, under load) was dropped
        inf.start();
        return inf;
    }

    private NamespaceInformers newInformers(String ns) {
        return new NamespaceInformers(client, ns, settings.listChunkSize(), this, (started, t) -> {
            log.debug("informer in {}/{}: {}", context, ns, t.toString());
            monitor.suspect(t);
            return true;
        });
    }

    /** The namespace of a session given by id: what this runtime has seen, else the store's. */
    private Optional<String> namespaceOf(String sessionId) {
        String ns = namespaces.get(sessionId);
        if (ns == null) {
            ns = lookup.session(sessionId).filter(s -> s.context().equals(context)).map(Session::namespace).orElse(null);
            if (ns != null) {
                namespaces.put(sessionId, ns);
            }
        }
        return Optional.ofNullable(ns);
    }

    private String requireNamespace(String sessionId) {
        return namespaceOf(sessionId).orElseThrow(() -> new OperationFailedException("session " + sessionId
                + " is not known to context '" + context + "': no namespace to look in"));
    }

    /** The namespaces reconciliation looks at: the one in use, the default, and every one the store has sessions in. */
    private Set<String> watchedNamespaces() {
        Set<String> out = new TreeSet<>();
        out.add(namespace);
        out.add(defaultNamespace());
        out.addAll(lookup.namespaces(context));
        out.addAll(informers.keySet());
        return out;
    }

    /**
     * How long to wait for a namespace's first list: only while connected. Unreachable, or
     * forbidden to list, the list may never come; callers then see "cannot tell" at once.
     */
    private Duration syncWait() {
        return monitor.current().connected() ? SYNC_WAIT : Duration.ZERO;
    }

    private NamespaceInformers synced(String ns) {
        NamespaceInformers inf = informers(ns);
        return inf.awaitSynced(syncWait()) ? inf : null;
    }

    // ---- start and stop ------------------------------------------------------------------------

    @Override
    public void start(Session session, List<AgentDefinition> agents) {
        String ns = session.namespace();
        String id = session.id();
        namespaces.put(id, ns);
        requireReachable("start session '" + session.name() + "'");
        requireGranted("start session '" + session.name() + "'", ns, START_USES);
        NamespaceInformers cache = informers(ns);
        cache.awaitSynced(syncWait());
        stop(id);
        // an inspector may hold a ReadWriteOnce volume on another node: the agents need it now
        views.removeAll(ns, id, cache);
        lostPods.remove(id);
        stoppedElsewhere.remove(id);
        phases.remove(id);
        reported.removeIf(k -> k.startsWith(id + "/"));

        Map<String, String> spec = SessionSpec.annotations(session, agents);
        ensurePolicy(ns, id);
        PersistentVolumeClaim claim = ensureClaim(session, spec, cache);
        Map<String, String> tokens = new LinkedHashMap<>();
        for (AgentDefinition a : agents) {
            byte[] b = new byte[24];
            random.nextBytes(b);
            tokens.put(a.name(), HexFormat.of().formatHex(b));
        }
        // new tokens with every pod: in the session's Secret, which the pod's containers reference
        writeTokens(ns, id, tokens, claim);
        Pod created = createPod(AgentPod.build(session, agents, tokens, settings), "create pods");
        knownTokens.put(id, new Tokens(created.getMetadata().getUid(), Map.copyOf(tokens)));
        // status() reads the cache: wait until it holds this pod, or a just-created pod would look gone
        awaitCached(cache, created);
        log.info("session {}: pod {}/{} created in context {}", id, ns, ObjectNames.of(id), context);
    }

    /** What starting a session's pod uses: its policy, volume, token Secret and pod (deleting the previous one). */
    private static final String[] START_USES = {"create pods", "delete pods", "patch pods", "get persistentvolumeclaims",
            "create persistentvolumeclaims", "patch persistentvolumeclaims", "get networkpolicies.networking.k8s.io",
            "create networkpolicies.networking.k8s.io", "delete networkpolicies.networking.k8s.io", "create secrets",
            "delete secrets"};
    /** What stopping (pausing) uses: the stopped-by mark, then the deletion. */
    private static final String[] STOP_USES = {"patch pods", "delete pods"};
    /** What purging uses, besides stopping. */
    private static final String[] PURGE_USES = {"patch pods", "delete pods", "delete networkpolicies.networking.k8s.io",
            "delete secrets", "delete persistentvolumeclaims"};
    /** What a remix's copy uses: the child's policy, its PVC (a clone, or a copy pod that fills it). */
    private static final String[] COPY_USES = {"get networkpolicies.networking.k8s.io",
            "create networkpolicies.networking.k8s.io", "delete networkpolicies.networking.k8s.io",
            "create persistentvolumeclaims", "delete persistentvolumeclaims", "create pods", "delete pods"};
    /** What the workspace browser uses: commands in the agent container or in an inspector pod. */
    private static final String[] FILES_USES = {"create pods/exec", "create pods", "delete pods"};

    /**
     * Refuses {@code doing} before changing anything when the Role lacks a permission it uses
     * (reading and adopting sessions need none of these). Missing ones are asked about again
     * first: the Role may have been fixed since.
     */
    private void requireGranted(String doing, String ns, String... uses) {
        ConnectionStatus c = monitor.current();
        if (c.missing().isEmpty() || AccessCheck.refusal(doing, context, ns, c.missing(), uses) == null) {
            return;
        }
        c = monitor.check();
        String why = AccessCheck.refusal(doing, context, ns, c.missing(), uses);
        if (why != null) {
            throw new OperationFailedException(why);
        }
    }

    private void requireReachable(String doing) {
        ConnectionStatus c = monitor.current();
        if (!reachable()) {
            throw new OperationFailedException("cannot " + doing + ": context '" + context + "' is " + c.describe());
        }
    }

    /**
     * Creates the session's NetworkPolicy, or replaces one whose rules differ (the settings
     * changed): delete and create, so the Role needs no update verb. It runs before the pod is
     * created, so no pod is ever without its policy.
     */
    private void ensurePolicy(String ns, String id) {
        NetworkPolicy policy = SessionNetworkPolicy.build(id, ns, settings);
        var resource = client.network().v1().networkPolicies().inNamespace(ns).withName(ObjectNames.of(id));
        String doing = "get networkpolicies.networking.k8s.io";
        try {
            NetworkPolicy existing = resource.get();
            if (existing != null && Objects.equals(existing.getSpec(), policy.getSpec())) {
                return;
            }
            if (existing != null) {
                doing = "delete networkpolicies.networking.k8s.io";
                resource.delete();
            }
            doing = "create networkpolicies.networking.k8s.io";
            client.network().v1().networkPolicies().inNamespace(ns).resource(policy).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // created meanwhile by another engine starting the same session: its rules are the same
                return;
            }
            throw KubeErrors.of(e, context, doing, ns);
        }
    }

    /** The session's PVC, created if missing, its spec annotations kept current. */
    private PersistentVolumeClaim ensureClaim(Session s, Map<String, String> spec, NamespaceInformers cache) {
        String ns = s.namespace();
        String name = ObjectNames.of(s.id());
        PersistentVolumeClaim existing = cache.claim(name);
        if (existing == null) {
            try {
                existing = client.persistentVolumeClaims().inNamespace(ns).withName(name).get();
            } catch (KubernetesClientException e) {
                throw KubeErrors.of(e, context, "get persistentvolumeclaims", ns);
            }
        }
        if (existing == null) {
            return createClaim(WorkspaceClaim.build(s.id(), ns, s.resources().storage(), spec, null, settings));
        }
        if (existing.getMetadata().getDeletionTimestamp() != null) {
            throw new OperationFailedException("the volume of session '" + s.name() + "' (PVC " + ns + "/" + name
                    + ") is being deleted; its workspace is gone: remix the session without its workspace to continue");
        }
        boolean marked = markedClaims.remove(name) | stoppedMark(existing) != null;
        if (marked || !spec.equals(pick(existing.getMetadata().getAnnotations(), spec.keySet()))) {
            // keep the spec current (a rename, a remix's PVC made by the copy): a merge patch of the annotations;
            // a new pod clears the mark of who stopped the last one
            Map<String, String> annotations = new LinkedHashMap<>(spec);
            if (marked) {
                annotations.put(ObjectNames.STOPPED_BY, null);
                annotations.put(ObjectNames.FAILED, null);
            }
            try {
                client.persistentVolumeClaims().inNamespace(ns).withName(name)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), Json.compact(Json.MAPPER.valueToTree(
                                Map.of("metadata", Map.of("annotations", annotations)))));
            } catch (KubernetesClientException e) {
                throw KubeErrors.of(e, context, "patch persistentvolumeclaims", ns);
            }
        }
        return existing;
    }

    private static Map<String, String> pick(Map<String, String> m, Set<String> keys) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m != null) {
            keys.forEach(k -> {
                if (m.containsKey(k)) {
                    out.put(k, m.get(k));
                }
            });
        }
        return out;
    }

    PersistentVolumeClaim createClaim(PersistentVolumeClaim pvc) {
        String ns = pvc.getMetadata().getNamespace();
        try {
            return client.persistentVolumeClaims().inNamespace(ns).resource(pvc).create();
        } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, context, "create persistentvolumeclaims", ns);
        }
    }

    private static void awaitCached(NamespaceInformers cache, Pod created) {
        String name = created.getMetadata().getName();
        String uid = created.getMetadata().getUid();
        long deadline = System.nanoTime() + SYNC_WAIT.toNanos();
        // an interrupted thread stops waiting (parkNanos would return at once and spin), keeping its flag
        while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            Pod seen = cache.pod(name);
            if (seen != null && Objects.equals(seen.getMetadata().getUid(), uid)) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        log.warn("pod {}/{} not seen by the informer after {} s", cache.namespace, name, SYNC_WAIT.toSeconds());
    }

    Pod createPod(Pod pod, String permission) {
        String ns = pod.getMetadata().getNamespace();
        try {
            return client.pods().inNamespace(ns).resource(pod).create();
        } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, context, permission, ns);
        }
    }

    /** Deletes a pod if it exists and waits until it is gone (its agents got their grace period). */
    void deletePod(String ns, String name, String permission) {
        NamespaceInformers cache = informers(ns);
        Pod known = cache.pod(name);
        if (known != null) {
            deleting.add(known.getMetadata().getUid());
        }
        List<io.fabric8.kubernetes.api.model.StatusDetails> deleted;
        try {
            deleted = client.pods().inNamespace(ns).withName(name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            throw KubeErrors.of(e, context, permission, ns);
        }
        if (deleted == null || deleted.isEmpty()) {
            return;
        }
        // the cache may not have seen it yet: its uid marks the deletion as ours all the same
        deleted.forEach(d -> {
            if (d.getUid() != null) {
                deleting.add(d.getUid());
            }
        });
        // the informer hears of the deletion: wait on its cache rather than open another watch
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.terminationGracePeriodSeconds() + 30);
        while (System.nanoTime() < deadline && reachable() && !Thread.currentThread().isInterrupted()) {
            Pod p = cache.pod(name);
            if (p == null || deleted.stream().noneMatch(d -> Objects.equals(d.getUid(), p.getMetadata().getUid()))) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        // still terminating after the grace period (or the cluster went away): the kubelet finishes it
        log.warn("pod {}/{} not gone yet after its grace period", ns, name);
    }

    /** Deletes a session's PVC (purge, or a remix's failed copy), expected: not reported as lost. */
    void deleteVolumeObject(String ns, String sessionId) {
        String name = ObjectNames.of(sessionId);
        PersistentVolumeClaim known = informers(ns).claim(name);
        if (known != null) {
            deleting.add(known.getMetadata().getUid());
        }
        try {
            client.persistentVolumeClaims().inNamespace(ns).withName(name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw KubeErrors.of(e, context, "delete persistentvolumeclaims", ns);
            }
        }
    }

    @Override
    public void stop(String sessionId, Stop stop) {
        if (stop.failed()) {
            stop(sessionId, null, stop.why() == null || stop.why().isBlank() ? "no reason recorded" : stop.why());
        } else {
            stop(sessionId, stop.why(), null);
        }
    }

    /**
     * @param because why it stops (marked beside who stopped it), or null
     * @param failure why the session failed, or null for a stop
     */
    private void stop(String sessionId, String because, String failure) {
        Optional<String> ns = namespaceOf(sessionId);
        forwards.close(sessionId);
        if (ns.isEmpty()) {
            return;
        }
        if (informers(ns.get()).pod(ObjectNames.of(sessionId)) != null) {
            requireGranted("stop the pod of session " + sessionId, ns.get(), STOP_USES);
        }
        markStopping(ns.get(), ObjectNames.of(sessionId), because, failure);
        deletePod(ns.get(), ObjectNames.of(sessionId), "delete pods");
    }

    /**
     * Says on the pod, before deleting it, that Pilothouse stops it: another workstation watching
     * the namespace then sees a stop (its session goes IDLE), not a pod lost to someone else.
     */
    private void markStopping(String ns, String name, String because, String failure) {
        Pod known = informers(ns).pod(name);
        if (known == null || known.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ObjectNames.STOPPED_BY, because == null || because.isBlank() ? STOPPER : STOPPER + " ("
                + (because.length() > 2000 ? because.substring(0, 1997) + "..." : because) + ")");
        // a failure's reason goes with the mark (clipped: annotations are small), a stop clears an earlier one
        annotations.put(ObjectNames.FAILED, failure == null ? null : failure.length() > 4000 ? failure.substring(0, 3997) + "..."
                : failure);
        String mark = Json.compact(Json.MAPPER.valueToTree(Map.of("metadata", Map.of("annotations", annotations))));
        try {
            client.pods().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), mark);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw KubeErrors.of(e, context, "patch pods", ns);
            }
        }
        // the pod's mark goes with the pod: a workstation whose engine did not run then reads it on the volume
        // (cleared by the next start)
        if (informers(ns).claim(name) != null) {
            markedClaims.add(name);
            try {
                client.persistentVolumeClaims().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), mark);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw KubeErrors.of(e, context, "patch persistentvolumeclaims", ns);
                }
            }
        }
    }

    /** PVCs this runtime marked stopped-by: the next start clears the mark, also before the cache has seen it. */
    private final Set<String> markedClaims = ConcurrentHashMap.newKeySet();

    /** Who stopped the session's last pod, as marked on its volume when Pilothouse stopped it; else null. */
    private static String stoppedMark(PersistentVolumeClaim pvc) {
        return annotation(pvc == null ? null : pvc.getMetadata(), ObjectNames.STOPPED_BY);
    }

    private static String annotation(io.fabric8.kubernetes.api.model.ObjectMeta meta, String key) {
        return meta == null || meta.getAnnotations() == null ? null : meta.getAnnotations().get(key);
    }

    /** How a stop marked on a pod or its volume reads: a clean stop, or a failure and why. */
    private static AgentStatus stoppedStatus(String agent, String stopper, String failed) {
        return failed == null ? new AgentStatus(agent, AgentStatus.Kind.EXITED, 0, "its pod was stopped by " + stopper)
                : new AgentStatus(agent, AgentStatus.Kind.FAILED, null, failed + " (its pod was then stopped by " + stopper + ")");
    }

    /** Who stops pods from this process, as other workstations read it. */
    private static final String STOPPER = "pilothouse on " + hostName() + " (pid " + ProcessHandle.current().pid() + ")";

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "an unnamed host";
        }
    }

    // ---- what runs ----------------------------------------------------------------------------

    /** Each agent container's CPU and memory from metrics.k8s.io, or why there are none. */
    @Override
    public SessionUsage usage(Session session) {
        return podUsage.of(session.namespace(), ObjectNames.of(session.id()),
                session.agents().stream().map(SessionAgent::name).toList());
    }

    @Override
    public List<AgentStatus> status(Session session) {
        namespaces.put(session.id(), session.namespace());
        List<String> agents = session.agents().stream().map(SessionAgent::name).toList();
        if (!reachable()) {
            return unknown(agents, "context '" + context + "' is " + monitor.current().describe());
        }
        NamespaceInformers cache = synced(session.namespace());
        if (cache == null) {
            return unknown(agents, "the pods of namespace " + session.namespace() + " could not be listed yet");
        }
        PersistentVolumeClaim claim = cache.claim(ObjectNames.of(session.id()));
        String mark = stoppedElsewhere.get(session.id()) != null || lostPods.get(session.id()) != null ? null
                : stoppedMark(claim);
        if (mark != null && cache.pod(ObjectNames.of(session.id())) == null) {
            // stopped while no engine here watched: the stopper's mark (and a failure's reason) is on the volume
            String failed = annotation(claim.getMetadata(), ObjectNames.FAILED);
            return agents.stream().map(a -> stoppedStatus(a, mark, failed)).toList();
        }
        String elsewhere = stoppedElsewhere.get(session.id());
        if (elsewhere != null && cache.pod(ObjectNames.of(session.id())) == null) {
            // stopped by another engine: a clean stop, as an agent's own idle exit is
            return agents.stream().map(a -> new AgentStatus(a, AgentStatus.Kind.EXITED, 0, elsewhere)).toList();
        }
        return view(session.id(), cache, agents).agents();
    }

    private static List<AgentStatus> unknown(List<String> agents, String why) {
        return agents.stream().map(a -> new AgentStatus(a, AgentStatus.Kind.UNKNOWN, null, why)).toList();
    }

    private PodStates.View view(String id, NamespaceInformers cache, List<String> agents) {
        String name = ObjectNames.of(id);
        Pod pod = cache.pod(name);
        String lost = lostPods.get(id);
        if (pod == null && lost == null) {
            // gone without this runtime seeing it go: for a session that should be running, that is the reason
            lost = "its pod " + cache.namespace + "/" + name + " no longer exists (deleted outside Pilothouse, or "
                    + "stopped from another workstation, while no engine here watched)";
        }
        PodStates.View v = PodStates.of(id, pod, cache.claim(name), pod != null, agents, lost, clock.instant(),
                settings.unschedulableDeadline(), settings.pullDeadline());
        if (pod == null) {
            return v;
        }
        String uid = pod.getMetadata().getUid();
        return PodStates.withPullErrors(v, agent -> {
            String event = PodStates.pullErrorEvent(cache.eventsAbout(uid), agent);
            return event != null ? event : pullErrors.get(id + "/" + uid + "/" + agent);
        });
    }

    /** The last ErrImagePull message of each container (session/pod uid/agent): ImagePullBackOff's own leaves it out. */
    private final Map<String, String> pullErrors = new ConcurrentHashMap<>();

    private void rememberPullErrors(String id, Pod pod) {
        if (pod.getStatus() == null) {
            return;
        }
        for (var cs : pod.getStatus().getContainerStatuses()) {
            var w = cs.getState() == null ? null : cs.getState().getWaiting();
            if (w != null && "ErrImagePull".equals(w.getReason()) && w.getMessage() != null && !w.getMessage().isBlank()) {
                pullErrors.put(id + "/" + pod.getMetadata().getUid() + "/" + cs.getName(), w.getMessage().strip());
            }
        }
    }

    @Override
    public Optional<Phase> observedPhase(String sessionId) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty() || !informers(ns.get()).synced()) {
            return Optional.empty();
        }
        Pod pod = informers(ns.get()).pod(ObjectNames.of(sessionId));
        return pod == null ? Optional.empty() : Optional.ofNullable(view(sessionId, informers(ns.get()), agentsOf(pod)).phase());
    }

    /** The scheduling and pull deadlines are this runtime's (see PodStates); the health deadline is the engine's. */
    @Override
    public Optional<StartLimits> startLimits() {
        return Optional.of(new StartLimits(settings.unschedulableDeadline().plus(settings.pullDeadline()), settings.healthDeadline()));
    }

    @Override
    public Optional<String> startProgress(String sessionId) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty() || !informers(ns.get()).synced()) {
            return Optional.empty();
        }
        NamespaceInformers cache = informers(ns.get());
        Pod pod = cache.pod(ObjectNames.of(sessionId));
        return pod == null ? Optional.empty()
                : StartProgress.of(pod, cache.eventsAbout(pod.getMetadata().getUid()), clock.instant());
    }

    private static List<String> agentsOf(Pod pod) {
        return pod.getSpec() == null ? List.of() : pod.getSpec().getContainers().stream().map(Container::getName).toList();
    }

    @Override
    public AgentEndpoint endpoint(String sessionId, String agent) {
        String ns = requireNamespace(sessionId);
        if (!reachable()) {
            throw new OperationFailedException("agent '" + agent + "' cannot be reached: context '" + context + "' is "
                    + monitor.current().describe());
        }
        Pod pod = informers(ns).pod(ObjectNames.of(sessionId));
        if (!PodStates.ready(pod, agent)) {
            String restarting = pod == null ? null : view(sessionId, informers(ns), List.of(agent)).agents().stream()
                    .map(AgentStatus::detail).filter(Objects::nonNull).findFirst().orElse(null);
            throw new OperationFailedException("agent '" + agent + "' of session " + sessionId + " is not ready: "
                    + (restarting != null ? restarting + "; it takes messages again once it answers /healthz"
                    : "its container is not running and answering /healthz"));
        }
        String token = tokens(ns, sessionId, pod).get(agent);
        int port = forwards.localPort(sessionId, agent, ns, pod.getMetadata().getName(), pod.getMetadata().getUid(),
                AgentPod.port(pod, agent));
        return new AgentEndpoint("http://127.0.0.1:" + port, token);
    }

    /**
     * A container that ran before and that the kubelet is restarting (exited and restarts by the
     * pod's policy, waiting to run again, or running but not ready yet): not a failure; a message
     * waits for it to answer /healthz again.
     */
    @Override
    public Optional<String> restarting(String sessionId, String agent) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty() || !reachable()) {
            return Optional.empty();
        }
        Pod pod = informers(ns.get()).pod(ObjectNames.of(sessionId));
        if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || PodStates.ready(pod, agent)) {
            return Optional.empty();
        }
        var cs = PodStates.containerStatus(pod, agent);
        boolean ranBefore = cs != null && (cs.getRestartCount() != null && cs.getRestartCount() > 0
                || cs.getLastState() != null && cs.getLastState().getTerminated() != null
                || cs.getState() != null && cs.getState().getTerminated() != null);
        if (!ranBefore) {
            return Optional.empty();
        }
        AgentStatus st = view(sessionId, informers(ns.get()), List.of(agent)).agents().get(0);
        if (st.kind() != AgentStatus.Kind.RUNNING) {
            return Optional.empty();
        }
        return Optional.of(st.detail() != null ? st.detail() : "its container was restarted by the kubelet (restart "
                + cs.getRestartCount() + ") and does not answer /healthz yet");
    }

    /** How long a failed connection waits for the pod's status to say whether its container went down. */
    private static final Duration LOSS_WAIT = Duration.ofSeconds(2);

    /**
     * A failed connection to an agent: its container exited or was restarted (the kubelet reports
     * that within a second or two, so this waits for it), else the port-forward stream that
     * carried the connection was ended by the API server.
     */
    @Override
    public Optional<ConnectionLoss> connectionLost(String sessionId, String agent, Instant since) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty()) {
            return Optional.empty();
        }
        if (!reachable()) {
            // as a message sent now is told: the connection itself only broke, which says nothing
            return Optional.of(ConnectionLoss.wayBroke("context '" + context + "' is " + monitor.current().describe()));
        }
        Optional<PodPortForward.Loss> loss = forwards.lastLoss(sessionId, agent).filter(l -> !l.at().isBefore(since));
        if (loss.isPresent() && loss.get().unreachable()) {
            // no stream could be opened: the pod was never reached, so its status has nothing to add
            return loss.map(l -> ConnectionLoss.wayBroke(l.why()));
        }
        long deadline = System.nanoTime() + LOSS_WAIT.toNanos();
        while (true) {
            Pod pod = informers(ns.get()).pod(ObjectNames.of(sessionId));
            Optional<String> went = PodStates.containerWentDown(pod, agent, since);
            if (went.isPresent()) {
                return went.map(ConnectionLoss::agentDown);
            }
            if (pod == null || System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        return forwards.lastLoss(sessionId, agent).filter(l -> !l.at().isBefore(since)).map(l -> ConnectionLoss.wayBroke(l.why()));
    }

    /** The tokens of a pod's agents, as written with it. */
    private record Tokens(String podUid, Map<String, String> byAgent) {
    }

    /** Tokens by session, for its pod as this runtime last read them: a new pod (uid) has new ones. */
    private final Map<String, Tokens> knownTokens = new ConcurrentHashMap<>();

    /** Creates the session's token Secret, replacing (delete, create) one left by its previous pod. */
    private void writeTokens(String ns, String id, Map<String, String> tokens, PersistentVolumeClaim owner) {
        var secret = AgentTokens.build(id, ns, tokens, owner);
        var resource = client.secrets().inNamespace(ns).withName(secret.getMetadata().getName());
        String doing = "create secrets";
        try {
            try {
                client.secrets().inNamespace(ns).resource(secret).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // the previous pod's tokens (immutable): replaced
                doing = "delete secrets";
                resource.withGracePeriod(0).delete();
                doing = "create secrets";
                client.secrets().inNamespace(ns).resource(secret).create();
            }
        } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, context, doing, ns);
        }
    }

    /** The agents' tokens of the session's current pod: from the Secret, read once per pod. */
    private Map<String, String> tokens(String ns, String sessionId, Pod pod) {
        String uid = pod.getMetadata().getUid();
        Tokens known = knownTokens.get(sessionId);
        if (known != null && known.podUid().equals(uid)) {
            return known.byAgent();
        }
        Map<String, String> read;
        try {
            read = AgentTokens.read(client.secrets().inNamespace(ns).withName(ObjectNames.of(sessionId)).get());
        } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, context, "get secrets", ns);
        }
        if (read.isEmpty()) {
            // a pod made before the tokens moved to a Secret keeps them in an annotation
            read = legacyTokens(pod);
        }
        knownTokens.put(sessionId, new Tokens(uid, Map.copyOf(read)));
        return read;
    }

    private static Map<String, String> legacyTokens(Pod pod) {
        String json = pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(ObjectNames.TOKENS);
        Map<String, String> out = new LinkedHashMap<>();
        if (json != null) {
            Json.parse(json).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    /** How many port-forwards are open (tests, diagnostics). */
    public int openForwards() {
        return forwards.count();
    }

    @Override
    public void watch(String sessionId) {
        // the informers watch every session already; remember where this one lives
        namespaceOf(sessionId).ifPresent(this::informers);
    }

    // ---- volumes ------------------------------------------------------------------------------

    @Override
    public void copyVolume(String fromSessionId, String toSessionId, VolumeCopy what, CopyProgress progress) {
        Session child = lookup.session(toSessionId).orElseThrow(() -> new OperationFailedException(
                "session " + toSessionId + " is not in the store; cannot copy a volume for it"));
        String ns = child.namespace();
        namespaces.put(toSessionId, ns);
        String parentNs = namespaceOf(fromSessionId).orElse(ns);
        if (!parentNs.equals(ns)) {
            throw new OperationFailedException("the parent's volume is in namespace " + parentNs + " and the remix in "
                    + ns + "; Kubernetes copies volumes only within a namespace");
        }
        requireReachable("copy the volume of session " + fromSessionId);
        requireGranted("copy the volume of session " + fromSessionId, ns, COPY_USES);
        if (synced(ns) == null) {
            throw new OperationFailedException("the PVCs of namespace " + ns + " could not be listed; nothing was copied");
        }
        List<AgentDefinition> defs = lookup.agents(toSessionId);
        Map<String, String> spec = defs.isEmpty() ? Map.of() : SessionSpec.annotations(child, defs);
        ensurePolicy(ns, toSessionId);
        copier.copy(fromSessionId, toSessionId, ns, child.resources().storage(), spec, what, progress);
    }

    @Override
    public void purgeVolume(String sessionId) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty()) {
            return;
        }
        requireReachable("purge the volume of session " + sessionId);
        requireGranted("purge the volume of session " + sessionId, ns.get(), PURGE_USES);
        stop(sessionId);
        deletePod(ns.get(), ObjectNames.copyPod(sessionId), "delete pods");
        views.removeAll(ns.get(), sessionId, informers(ns.get()));
        try {
            client.network().v1().networkPolicies().inNamespace(ns.get()).withName(ObjectNames.of(sessionId)).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw KubeErrors.of(e, context, "delete networkpolicies.networking.k8s.io", ns.get());
            }
        }
        try {
            client.secrets().inNamespace(ns.get()).withName(ObjectNames.of(sessionId)).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw KubeErrors.of(e, context, "delete secrets", ns.get());
            }
        }
        knownTokens.remove(sessionId);
        deleteVolumeObject(ns.get(), sessionId);
    }

    /**
     * The workspace through {@code pods/exec}: into the first agent container while it runs, else
     * into a read-only inspector pod made for this view (closing the view deletes it).
     */
    @Override
    public WorkspaceFiles files(Session session) {
        namespaces.put(session.id(), session.namespace());
        requireReachable("show the files of session '" + session.name() + "'");
        requireGranted("show the files of session '" + session.name() + "'", session.namespace(), FILES_USES);
        NamespaceInformers cache = synced(session.namespace());
        if (cache == null) {
            throw new OperationFailedException("the pods of namespace " + session.namespace() + " could not be listed; "
                    + "cannot tell where the workspace of session '" + session.name() + "' is");
        }
        return views.open(session, cache);
    }

    /** How long an inspector no view uses is kept for the next one (tests; default 2 min). */
    void keepInspectors(java.time.Duration d) {
        views.keepInspectors(d);
    }

    /** The volume's bytes and files, counted in the running agent container (never through an inspector). */
    @Override
    public Optional<long[]> volumeSize(Session session) {
        NamespaceInformers cache = reachable() ? synced(session.namespace()) : null;
        return cache == null ? Optional.empty() : views.size(session, cache);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public Optional<String> lostVolume(String sessionId) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty() || !reachable()) {
            return Optional.empty();
        }
        NamespaceInformers cache = synced(ns.get());
        if (cache == null) {
            return Optional.empty();
        }
        String name = ObjectNames.of(sessionId);
        PersistentVolumeClaim pvc = cache.claim(name);
        if (pvc != null && pvc.getMetadata().getDeletionTimestamp() == null) {
            return Optional.empty();
        }
        return Optional.of("VolumeLost: the session's PVC " + ns.get() + "/" + name + (pvc == null ? " no longer exists"
                : " is being deleted") + " (deleted outside Pilothouse); its workspace is gone");
    }

    @Override
    public boolean volumeExists(String sessionId) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty()) {
            return false;
        }
        NamespaceInformers cache = synced(ns.get());
        PersistentVolumeClaim pvc = cache == null ? null : cache.claim(ObjectNames.of(sessionId));
        return pvc != null && pvc.getMetadata().getDeletionTimestamp() == null;
    }

    @Override
    public Set<String> volumes() {
        Set<String> ids = new TreeSet<>();
        if (!reachable()) {
            return ids;
        }
        for (String ns : watchedNamespaces()) {
            NamespaceInformers cache = synced(ns);
            if (cache != null) {
                cache.claims().forEach(c -> ids.add(sessionIdOf(c)));
            }
        }
        return ids;
    }

    /** The session an object belongs to: the id in its spec annotation, else its label. */
    static String sessionIdOf(HasMetadata o) {
        Map<String, String> a = o.getMetadata().getAnnotations();
        String id = a == null ? null : SessionSpec.id(a.get(ObjectNames.SPEC));
        if (id != null) {
            return id;
        }
        Map<String, String> l = o.getMetadata().getLabels();
        return l == null ? o.getMetadata().getName() : l.getOrDefault(ObjectNames.SESSION, o.getMetadata().getName());
    }

    @Override
    public List<DiscoveredSession> discovered(java.util.function.Predicate<String> wanted) {
        List<DiscoveredSession> out = new ArrayList<>();
        if (!reachable()) {
            return out;
        }
        Instant now = clock.instant();
        for (String ns : watchedNamespaces()) {
            NamespaceInformers cache = synced(ns);
            if (cache == null) {
                continue;
            }
            Set<String> seen = new LinkedHashSet<>();
            List<HasMetadata> objects = new ArrayList<>();
            cache.pods().stream().filter(p -> ObjectNames.ROLE_AGENTS.equals(role(p))).forEach(objects::add);
            objects.addAll(cache.claims());
            for (HasMetadata o : objects) {
                String id = sessionIdOf(o);
                if (!seen.add(id) || !wanted.test(id)) {
                    continue;
                }
                describe(ns, cache, id, o, now).ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * A session found directly by its id (a pod or PVC that appeared while this engine watched): the
     * per-object description of {@link #discovered}, without going through every object.
     */
    @Override
    public Optional<DiscoveredSession> discoveredSession(String id) {
        String ns = namespaces.get(id);
        if (ns == null || !reachable()) {
            return ns == null ? discovered(id::equals).stream().findFirst() : Optional.empty();
        }
        NamespaceInformers cache = synced(ns);
        if (cache == null) {
            return Optional.empty();
        }
        Pod pod = cache.pod(ObjectNames.of(id));
        HasMetadata o = pod != null && ObjectNames.ROLE_AGENTS.equals(role(pod)) ? pod : cache.claim(ObjectNames.of(id));
        return o == null ? Optional.empty() : describe(ns, cache, id, o, clock.instant());
    }

    /** One session from its objects' annotations and state, as it runs (or not) now. */
    private Optional<DiscoveredSession> describe(String ns, NamespaceInformers cache, String id, HasMetadata o, Instant now) {
        Pod pod = cache.pod(ObjectNames.of(id));
        boolean up = pod != null && pod.getMetadata().getDeletionTimestamp() == null;
        Phase phase = up ? Optional.ofNullable(view(id, cache, agentsOf(pod)).phase()).orElse(Phase.RUNNING) : Phase.PAUSED;
        // a session that failed elsewhere (its volume says so) is found in ERROR with why, not paused
        PersistentVolumeClaim claim = cache.claim(ObjectNames.of(id));
        String failed = up || claim == null ? null : annotation(claim.getMetadata(), ObjectNames.FAILED);
        return SessionSpec.read(o.getMetadata().getAnnotations(), context, ns, up ? SessionState.READY
                        : failed != null ? SessionState.ERROR : SessionState.IDLE, failed != null ? Phase.FAILED : phase, now)
                .map(d -> failed == null ? d : new DiscoveredSession(d.session().toBuilder().terminationReason(
                        stoppedStatus(null, stoppedMark(claim), failed).detail()).build(), d.agents()))
                .map(d -> {
                    namespaces.put(id, ns);
                    return d;
                });
    }

    private static String role(HasMetadata o) {
        return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(ObjectNames.ROLE);
    }

    // ---- logs ---------------------------------------------------------------------------------

    @Override
    public List<String> lastLogLines(String sessionId, String agent, int n) {
        Optional<String> ns = namespaceOf(sessionId);
        if (ns.isEmpty() || !reachable()) {
            return List.of();
        }
        try {
            String text = PodLogs.loggable(client, ns.get(), ObjectNames.of(sessionId), agent, new LogOptions(n, false, false),
                    false).getLog();
            return PodLogs.parse(text).stream().map(LogLine::text).toList();
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }

    @Override
    public LogSubscription logs(String sessionId, String agent, LogOptions options, Consumer<List<LogLine>> sink) {
        String ns = requireNamespace(sessionId);
        String pod = ObjectNames.of(sessionId);
        requireReachable("read the log of agent '" + agent + "'");
        NamespaceInformers cache = synced(ns);
        if (cache != null && cache.pod(pod) == null) {
            throw new OperationFailedException("session " + sessionId + " has no pod in " + ns + " now (paused, stopped or "
                    + "deleted): Kubernetes keeps a container's log only while its pod exists");
        }
        if (options.follow() && !options.previous() && cache != null) {
            // across container restarts and the session's next pod, saying so in marker lines
            LogFollow f = new LogFollow(client, cache, pod, agent, options.tail(), sink);
            follows.add(f);
            f.start();
            return new LogSubscription() {
                @Override
                public void close() {
                    follows.remove(f);
                    f.close();
                }

                @Override
                public java.util.concurrent.CompletionStage<String> ended() {
                    return f.ended();
                }

                @Override
                public void drain(Duration max) throws InterruptedException {
                    f.drain(max);
                }
            };
        }
        try {
            return PodLogs.read(client, ns, pod, agent, options, sink);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 400 && options.previous()) {
                throw new OperationFailedException("agent '" + agent + "' has no previous container in pod " + ns + "/" + pod
                        + " (it has not restarted): " + KubeErrors.rootMessage(e), e);
            }
            throw KubeErrors.of(e, context, "get pods/log", ns);
        }
    }

    // ---- informer events ----------------------------------------------------------------------

    @Override
    public void pod(String ns, Pod before, Pod now, boolean live) {
        if (!ObjectNames.ROLE_AGENTS.equals(role(now))) {
            return;
        }
        String id = sessionIdOf(now);
        namespaces.putIfAbsent(id, ns);
        NamespaceInformers cache = informers.get(ns);
        if (cache == null || now.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        if (before == null) {
            // a new pod (a start or resume, maybe from another workstation): what was lost is back
            lostPods.remove(id);
            stoppedElsewhere.remove(id);
            if (live) {
                emit(new RuntimeEvent.Appeared(context, id));
            }
        }
        rememberPullErrors(id, now);
        PodStates.View v = view(id, cache, agentsOf(now));
        Phase previous = v.phase() == null ? phases.get(id) : phases.put(id, v.phase());
        if (!live || before == null) {
            // the first list and our own creations: reconciliation and the engine's start look at these;
            // restarts that happened while no engine watched go into the history now
            observeRestarts(id, now.getMetadata().getUid(), now);
            scheduleDeadlineCheck(id, ns, now, v);
            return;
        }
        if (v.phase() != null && v.phase() != previous) {
            emit(new RuntimeEvent.PhaseObserved(id, v.phase()));
        }
        String uid = now.getMetadata().getUid();
        observeRestarts(id, uid, now);
        for (AgentStatus st : v.agents()) {
            String key = id + "/" + uid + "/" + st.agent() + "/" + restarts(now, st.agent());
            if (st.kind() == AgentStatus.Kind.FAILED && reported.add(key + "/failed")) {
                int colon = st.detail().indexOf(':');
                emit(new RuntimeEvent.AgentFailed(id, st.agent(), colon > 0 ? st.detail().substring(0, colon) : st.detail(),
                        colon > 0 ? st.detail().substring(colon + 1).strip() : ""));
            } else if (st.kind() == AgentStatus.Kind.EXITED && reported.add(key + "/exited")) {
                emit(new RuntimeEvent.AgentExited(id, st.agent(), st.exitCode(), st.detail()));
            }
        }
        scheduleDeadlineCheck(id, ns, now, v);
    }

    /**
     * A container that exited and that the kubelet restarts goes into the session's history once
     * (exit code, reason, the restart it led to), at the time the container itself gives (its
     * finishedAt), whether the exit or only the restart was seen, and also when first seen at the
     * first list (an engine that did not run then: the engine keeps it once across restarts).
     * The exit of run j (restartCount j while it is terminated or waiting to restart) is followed by
     * restart j+1; a running container's last state is the exit that led to its current run,
     * restart number restartCount.
     */
    private void observeRestarts(String id, String uid, Pod pod) {
        if (pod.getStatus() == null) {
            return;
        }
        for (var cs : pod.getStatus().getContainerStatuses()) {
            var state = cs.getState();
            var now = state == null ? null : state.getTerminated();
            var last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
            int count = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
            String what;
            io.fabric8.kubernetes.api.model.ContainerStateTerminated t;
            int restart;
            String restartedAt = null;
            if (now != null && PodStates.restarts(pod, now)) {
                t = now;
                restart = count + 1;
                what = "agent '" + cs.getName() + "' exited (" + PodStates.termination(now) + "); the kubelet restarts its "
                        + "container (restart " + restart + ")";
            } else if (last != null && state != null && state.getRunning() != null) {
                t = last;
                restart = count;
                restartedAt = state.getRunning().getStartedAt();
                what = "agent '" + cs.getName() + "' was restarted by the kubelet (restart " + restart
                        + (restartedAt == null ? "" : ", at " + restartedAt) + ") after it exited (" + PodStates.termination(last) + ")";
            } else if (last != null && now == null) {
                // waiting to be restarted (a back-off): the last exit leads to the next restart
                t = last;
                restart = count + 1;
                var w = state == null ? null : state.getWaiting();
                what = "agent '" + cs.getName() + "' exited (" + PodStates.termination(last) + "); the kubelet restarts its "
                        + "container (restart " + restart + ")" + (w == null ? "" : " after " + PodStates.reason(w.getReason(), null));
            } else {
                continue;
            }
            String exit = t.getFinishedAt() != null ? t.getFinishedAt() : t.getContainerID();
            String key = id + "/" + uid + "/" + cs.getName() + "/exit/" + exit;
            if (!reported.add(key)) {
                continue;
            }
            Map<String, String> detail = new LinkedHashMap<>();
            detail.put("agent", cs.getName());
            detail.put("exit_code", String.valueOf(t.getExitCode()));
            if (t.getReason() != null) {
                detail.put("reason", t.getReason());
            }
            detail.put("restart_count", String.valueOf(restart));
            if (t.getStartedAt() != null) {
                detail.put("started_at", t.getStartedAt());
            }
            if (t.getFinishedAt() != null) {
                detail.put("finished_at", t.getFinishedAt());
            }
            if (restartedAt != null) {
                detail.put("restarted_at", restartedAt);
            }
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                detail.put("last_log_lines", t.getMessage().strip());
            }
            log.info("session {}: {}", id, what);
            emit(new RuntimeEvent.Observed(id, what, detail, PodStates.parse(t.getFinishedAt(), null),
                    "exit of container " + cs.getName() + " of pod " + uid + " at " + exit));
        }
    }

    private static int restarts(Pod pod, String agent) {
        return pod.getStatus() == null ? 0 : pod.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals(agent)).mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount())
                .findFirst().orElse(0);
    }

    /**
     * A pod that stays unschedulable, or whose containers do not come up after it was scheduled,
     * fails when that step's deadline passes, even if nothing about it changes by then.
     */
    private void scheduleDeadlineCheck(String id, String ns, Pod pod, PodStates.View v) {
        if (v.failure() != null || pod.getStatus() == null) {
            return;
        }
        String step;
        Duration after;
        if (v.phase() == Phase.PENDING && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "PodScheduled".equals(c.getType()) && "Unschedulable".equals(c.getReason()))) {
            step = "Unschedulable";
            after = settings.unschedulableDeadline();
        } else if (v.phase() == Phase.INITIALIZING && pod.getStatus().getContainerStatuses().stream().anyMatch(PodStates::neverRan)) {
            step = "StartTimeout";
            after = Duration.between(clock.instant(), PodStates.scheduledAt(pod, clock.instant()).plus(settings.pullDeadline()));
        } else {
            return;
        }
        String uid = pod.getMetadata().getUid();
        if (!reported.add(id + "/" + uid + "/" + step + "-timer")) {
            return;
        }
        timers.schedule(() -> {
            NamespaceInformers cache = informers.get(ns);
            Pod current = cache == null ? null : cache.pod(ObjectNames.of(id));
            if (current != null && uid.equals(current.getMetadata().getUid())) {
                PodStates.View later = view(id, cache, agentsOf(current));
                if (later.failure() != null && later.failure().detail().startsWith(step) && reported.add(id + "/" + uid + "/" + step)) {
                    emit(new RuntimeEvent.AgentFailed(id, later.failure().agent(), step,
                            later.failure().detail().substring(step.length() + 1).strip()));
                }
            }
        }, Math.max(0, after.toMillis()) + 1000, TimeUnit.MILLISECONDS);
    }

    /** Events older than this when first seen come from the first list: history, not news. */
    private static final Duration EVENT_NEWS = Duration.ofMinutes(1);
    private static final java.util.regex.Pattern UUID_NAME = java.util.regex.Pattern.compile(
            "pilothouse-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(-copy)?");

    /**
     * A Kubernetes Event about a session's pod (or its copy pod, or its PVC): why a pod waits or
     * struggles (FailedScheduling, Pulling, BackOff, FailedMount, Unhealthy, Killing...), recorded in
     * the session's history once per event and count.
     */
    @Override
    public void event(String ns, io.fabric8.kubernetes.api.model.Event before, io.fabric8.kubernetes.api.model.Event now) {
        var obj = now.getInvolvedObject();
        if (obj == null || obj.getName() == null || !obj.getName().startsWith("pilothouse-")
                || !("Pod".equals(obj.getKind()) || "PersistentVolumeClaim".equals(obj.getKind()))) {
            return;
        }
        if ("Pod".equals(obj.getKind()) && ObjectNames.isInspectorPod(obj.getName())) {
            // the workspace browser's pods come and go with each look at a paused session: not its history
            return;
        }
        int count = now.getCount() == null ? 1 : now.getCount();
        if (before != null && Objects.equals(before.getCount(), now.getCount())
                && Objects.equals(before.getMessage(), now.getMessage())) {
            return;
        }
        Instant seen = StartProgress.eventTime(now, null);
        if (before == null && seen != null && seen.isBefore(Instant.now().minus(EVENT_NEWS))) {
            return;
        }
        String id = sessionOf(ns, obj.getKind(), obj.getName());
        if (id == null || !reported.add("event/" + now.getMetadata().getUid() + "/" + count)) {
            return;
        }
        String type = now.getType() == null ? "Normal" : now.getType();
        String message = now.getMessage() == null ? "" : now.getMessage().strip();
        String what = "Kubernetes: " + type + " " + now.getReason() + " on " + obj.getKind().toLowerCase(java.util.Locale.ROOT)
                + " " + obj.getName() + (obj.getFieldPath() == null ? "" : " (" + obj.getFieldPath() + ")")
                + (message.isEmpty() ? "" : ": " + message) + (count > 1 ? " (" + count + " times)" : "");
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("source", "kubernetes");
        detail.put("type", type);
        detail.put("reason", String.valueOf(now.getReason()));
        detail.put("object", obj.getKind() + "/" + obj.getName());
        detail.put("count", Integer.toString(count));
        if (now.getSource() != null && now.getSource().getComponent() != null) {
            detail.put("reporter", now.getSource().getComponent());
        }
        if (seen != null) {
            detail.put("last_seen", seen.toString());
        }
        emit(new RuntimeEvent.Observed(id, what, detail));
    }


    /** The session an object of the namespace belongs to: from the cache, else from its name. */
    private String sessionOf(String ns, String kind, String name) {
        NamespaceInformers cache = informers.get(ns);
        HasMetadata o = cache == null ? null : "Pod".equals(kind) ? cache.pod(name) : cache.claim(name);
        if (o != null) {
            return sessionIdOf(o);
        }
        var m = UUID_NAME.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    @Override
    public void podGone(String ns, Pod last, boolean live) {
        if (!ObjectNames.ROLE_AGENTS.equals(role(last))) {
            return;
        }
        String id = sessionIdOf(last);
        phases.remove(id);
        forwards.close(id);
        pullErrors.keySet().removeIf(k -> k.startsWith(id + "/" + last.getMetadata().getUid() + "/"));
        if (deleting.remove(last.getMetadata().getUid()) || !live) {
            return;
        }
        String stopper = annotation(last.getMetadata(), ObjectNames.STOPPED_BY);
        String failed = annotation(last.getMetadata(), ObjectNames.FAILED);
        if (stopper != null && failed != null) {
            // it failed on the workstation that stopped it: a failure here too, with its reason
            String why = failed + " (its pod was then stopped by " + stopper + ")";
            lostPods.put(id, why);
            emit(new RuntimeEvent.RuntimeLost(id, why));
            return;
        }
        if (stopper != null) {
            String why = "its pod was stopped by " + stopper;
            stoppedElsewhere.put(id, why);
            agentsOf(last).forEach(a -> emit(new RuntimeEvent.AgentExited(id, a, 0, why)));
            return;
        }
        String why = "its pod " + ns + "/" + last.getMetadata().getName() + " was deleted outside Pilothouse";
        lostPods.put(id, why);
        log.warn("session {}: {}", id, why);
        emit(new RuntimeEvent.RuntimeLost(id, why));
    }

    @Override
    public void claim(String ns, PersistentVolumeClaim before, PersistentVolumeClaim now, boolean live) {
        String id = sessionIdOf(now);
        namespaces.putIfAbsent(id, ns);
        if (live && before == null && now.getMetadata().getDeletionTimestamp() == null) {
            // a new volume: a session made elsewhere (also one paused before its pod was seen) is adopted now
            emit(new RuntimeEvent.Appeared(context, id));
        }
        if (live && before != null && before.getMetadata().getDeletionTimestamp() == null
                && now.getMetadata().getDeletionTimestamp() != null) {
            volumeLost(ns, now);
        }
    }

    @Override
    public void claimGone(String ns, PersistentVolumeClaim last, boolean live) {
        if (live && last.getMetadata().getDeletionTimestamp() == null) {
            volumeLost(ns, last);
        } else if (live) {
            deleting.remove(last.getMetadata().getUid());
        }
    }

    private void volumeLost(String ns, PersistentVolumeClaim pvc) {
        String uid = pvc.getMetadata().getUid();
        if (deleting.contains(uid) || !reported.add("volume/" + uid)) {
            return;
        }
        String id = sessionIdOf(pvc);
        String why = "its volume (PVC " + ns + "/" + pvc.getMetadata().getName() + ") was deleted outside Pilothouse";
        log.warn("session {}: {}", id, why);
        emit(new RuntimeEvent.VolumeLost(id, why));
    }

    @Override
    public void close() {
        follows.forEach(LogFollow::close);
        follows.clear();
        timers.shutdownNow();
        views.closeAll();
        forwards.close();
        informers.values().forEach(NamespaceInformers::close);
        informers.clear();
        monitor.close();
        client.close();
    }
}
