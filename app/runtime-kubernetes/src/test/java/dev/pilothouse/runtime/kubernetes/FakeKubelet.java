package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Plays the kubelet (and the scheduler, and a CSI driver) for the fake API server, which runs no
 * controllers: moves Pilothouse's pods through Pending, ContainerCreating and Running and runs
 * each agent container as a real reference-agent process ({@link ContainerProcess}) on a directory
 * standing for the PVC. As a kubelet does, it probes each agent's {@code /healthz} before the
 * container is ready, keeps each run's output as the container's log, and when a container exits
 * applies the pod's restart policy: an immediate restart the first time, then {@code
 * CrashLoopBackOff} with a doubling back-off; {@code restartCount} and {@code lastState} say what
 * happened. It also runs copy pods and clones PVCs with a dataSource. In manual mode it does
 * nothing until the test says.
 *
 * <p>Images decide what happens, as on a cluster: an image containing {@code does-not-exist}
 * fails to pull, {@code crashes} starts an agent that exits at once (a bad setting: exit 2, the
 * reason in its log) every time, {@code oom} is OOMKilled as soon as it listens, every time,
 * {@code needs-secret} fails with CreateContainerConfigError; a CPU request above 64 cores is
 * unschedulable.
 */
final class FakeKubelet implements AutoCloseable {
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final FakeCluster cluster;
    private final KubernetesClient client;
    private final Path volumes;
    /** The cluster's clock for the scheduler's times (tests move it); containers run on real time. */
    private final Clock clock;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    /** The sync loop: every status change happens here, one at a time. */
    private volatile Thread workerThread;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-kubelet");
        t.setDaemon(true);
        workerThread = t;
        return t;
    });
    /** Readiness probes (blocking HTTP), off the sync loop. */
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-kubelet-probe");
        t.setDaemon(true);
        return t;
    });
    /** Pods with containers, by "namespace/name". */
    private final Map<String, PodRun> pods = new ConcurrentHashMap<>();
    /** Inspector pods running ("namespace/name"): a sleeping container to exec into. */
    private final Map<String, FakeCluster.RunningContainer> inspectors = new ConcurrentHashMap<>();
    /** Containers ("namespace/pod/container") whose next starts crash, as a broken image would. */
    private final Set<String> crashing = ConcurrentHashMap.newKeySet();
    volatile boolean manual;
    /** The first restart back-off (a kubelet's is 10 s); it doubles up to 5 minutes. */
    volatile Duration backoff = Duration.ofSeconds(10);

    /** One pod's containers as this node runs them. */
    private static final class PodRun {
        final String ns;
        final String name;
        final String uid;
        final Pod pod;
        final Path volume;
        final Map<String, Run> containers = new LinkedHashMap<>();
        volatile boolean deleted;

        PodRun(Pod pod, Path volume) {
            this.ns = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
            this.uid = pod.getMetadata().getUid();
            this.pod = pod;
            this.volume = volume;
        }
    }

    /** One container: its current run and what the kubelet reports of it. */
    private static final class Run {
        final Container spec;
        volatile ContainerProcess process;
        /** The current run's environment from the spec, its paths mapped to this machine: what an exec gets too. */
        volatile Map<String, String> env = Map.of();
        int restarts;
        boolean ready;
        Instant startedAt;
        String waitingReason;
        String waitingMessage;
        ContainerStateTerminated terminated;
        ContainerStateTerminated last;
        Instant lastRestart;
        Duration backoffNow;
        boolean oomKilled;
        boolean oomEveryRun;

        Run(Container spec) {
            this.spec = spec;
        }

        int port() {
            return spec.getPorts().get(0).getContainerPort();
        }
    }

    FakeKubelet(FakeCluster cluster, Path volumes, Clock clock) {
        this.cluster = cluster;
        this.client = cluster.directClient();
        this.volumes = volumes;
        this.clock = clock;
        cluster.network = this::hostPort;
        cluster.containers = this::running;
        this.podInformer = client.pods().inAnyNamespace().withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        if (!manual) {
                            post(() -> autoRun(p));
                        }
                    }

                    @Override
                    public void onUpdate(Pod before, Pod now) {
                    }

                    @Override
                    public void onDelete(Pod p, boolean unknown) {
                        stopContainers(p);
                    }
                });
        this.claims = client.persistentVolumeClaims().inAnyNamespace()
                .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER).inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(PersistentVolumeClaim c) {
                        post(() -> provision(c));
                    }

                    @Override
                    public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim now) {
                    }

                    @Override
                    public void onDelete(PersistentVolumeClaim c, boolean unknown) {
                    }
                });
    }

    /** The directory standing for a PVC. */
    Path volume(String namespace, String claim) {
        return volumes.resolve(namespace).resolve(claim);
    }

    /** Where the pod's port is served: the loopback port of the agent process listening on it. */
    private Integer hostPort(String ns, String pod, int port) {
        PodRun pr = pods.get(ns + "/" + pod);
        if (pr == null || pr.deleted) {
            return null;
        }
        for (Run r : pr.containers.values()) {
            ContainerProcess p = r.process;
            if (r.port() == port && p != null && p.alive()) {
                return p.portNow();
            }
        }
        return null;
    }

    /** The container while its process runs, as an exec into it sees it; null otherwise. */
    private FakeCluster.RunningContainer running(String ns, String pod, String container) {
        FakeCluster.RunningContainer inspector = inspectors.get(ns + "/" + pod);
        if (inspector != null) {
            return container.equals(InspectorPod.CONTAINER) ? inspector : null;
        }
        PodRun pr = pods.get(ns + "/" + pod);
        Run r = pr == null || pr.deleted ? null : pr.containers.get(container);
        ContainerProcess p = r == null ? null : r.process;
        if (p == null || !p.alive()) {
            return null;
        }
        return new FakeCluster.RunningContainer(r.spec.getVolumeMounts().get(0).getMountPath(), pr.volume,
                execEnvironment(r.spec, r.env));
    }

    /**
     * What an exec into the container finds: its environment, and for an image whose name says
     * {@code no-tar} a PATH of this machine's commands without tar, as a minimal image has; for
     * {@code no-shell} a PATH with nothing, as a distroless image (exec then finds no {@code sh}).
     */
    private Map<String, String> execEnvironment(Container spec, Map<String, String> env) {
        boolean noShell = spec.getImage().contains("no-shell");
        if (!spec.getImage().contains("no-tar") && !noShell) {
            return env;
        }
        Map<String, String> withPath = new LinkedHashMap<>(env);
        // a distroless image: nothing to exec at all
        withPath.put("PATH", noShell ? withoutTar().resolve("nothing-here").toString() : withoutTar().toString());
        return withPath;
    }

    /** What a minimal image without tar has (busybox-like): the shell and the tools the workspace browser needs. */
    private static final List<String> MINIMAL = List.of("sh", "cat", "head", "tail", "stat", "readlink", "base64", "gzip",
            "mkdir", "mv", "rm", "ln", "wc", "find", "tr", "ls", "sleep", "printf", "echo", "test", "[");
    private Path minimalBin;

    /** A directory linking the {@link #MINIMAL} commands of this machine (outside the test's temporary dirs). */
    private synchronized Path withoutTar() {
        if (minimalBin != null) {
            return minimalBin;
        }
        try {
            Path bin = Files.createTempDirectory("fake-kubelet-bin-");
            for (String name : MINIMAL) {
                for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                    Path c = Path.of(dir, name);
                    if (Files.isExecutable(c)) {
                        Files.createSymbolicLink(bin.resolve(name), c);
                        break;
                    }
                }
            }
            minimalBin = bin;
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An inspector pod's container (it only sleeps): running as soon as it is placed, exec'd
     * into on its volume; the kubelet does not enforce the mount's readOnly.
     */
    private void runInspector(Pod p) {
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        Container c = p.getSpec().getContainers().get(0);
        Path vol = volume(ns, claimOf(p));
        waitingForScheduling(ns, name);
        creating(ns, name);
        if (c.getImage().contains("does-not-exist")) {
            imagePullBackOff(ns, name);
            return;
        }
        if (c.getImage().contains("deadline-passed")) {
            // what activeDeadlineSeconds leaves: the pod Failed, kept until someone deletes it
            status(ns, name, s -> new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded")
                    .withMessage("Pod was active on the node longer than the specified deadline").withConditions(scheduled(s))
                    .build());
            return;
        }
        inspectors.put(ns + "/" + name, new FakeCluster.RunningContainer(c.getVolumeMounts().get(0).getMountPath(), vol,
                execEnvironment(c, Map.of())));
        String started = Instant.now().toString();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled(s))
                .withContainerStatuses(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                        .withReady(true).withStarted(true).withRestartCount(0)
                        .withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build())
                .build());
    }

    // ---- automatic: what a healthy cluster does ------------------------------------------------

    private void autoRun(Pod p) {
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        try {
            if (ObjectNames.ROLE_COPY.equals(p.getMetadata().getLabels().get(ObjectNames.ROLE))) {
                runCopy(p);
                return;
            }
            if (ObjectNames.ROLE_INSPECTOR.equals(p.getMetadata().getLabels().get(ObjectNames.ROLE))) {
                runInspector(p);
                return;
            }
            if (cpu(p).compareTo(BigDecimal.valueOf(64)) > 0) {
                unschedulable(ns, name, clock.instant());
                return;
            }
            waitingForScheduling(ns, name);
            creating(ns, name);
            String image = p.getSpec().getContainers().get(0).getImage();
            if (image.contains("does-not-exist")) {
                imagePullBackOff(ns, name);
            } else if (image.contains("needs-secret")) {
                waiting(ns, name, "CreateContainerConfigError", "secret \"llm-key\" not found");
            } else {
                run(ns, name);
            }
        } catch (RuntimeException e) {
            // the pod was deleted meanwhile
        }
    }

    private static BigDecimal cpu(Pod p) {
        BigDecimal total = BigDecimal.ZERO;
        for (Container c : p.getSpec().getContainers()) {
            Quantity q = c.getResources() == null || c.getResources().getRequests() == null ? null
                    : c.getResources().getRequests().get("cpu");
            if (q != null) {
                total = total.add(Quantity.getAmountInBytes(q));
            }
        }
        return total;
    }

    private void provision(PersistentVolumeClaim c) {
        Path dir = volume(c.getMetadata().getNamespace(), c.getMetadata().getName());
        try {
            Files.createDirectories(dir);
            var source = c.getSpec().getDataSource();
            if (source != null && "PersistentVolumeClaim".equals(source.getKind())) {
                // the CSI driver's clone: the whole volume
                copyTree(volume(c.getMetadata().getNamespace(), source.getName()), dir, f -> true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace()).withName(c.getMetadata().getName())
                    .editStatus(x -> {
                        x.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                                .withPhase("Bound").build());
                        return x;
                    });
        } catch (RuntimeException e) {
            // deleted meanwhile
        }
    }

    // ---- steps a test can take one by one --------------------------------------------------------

    /** Accepted by the API server, not yet placed on a node. */
    void waitingForScheduling(String ns, String name) {
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").build());
    }

    /** The scheduler found no node; since {@code since}. */
    void unschedulable(String ns, String name, Instant since) {
        event(pod(ns, name), null, "Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu. "
                + "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient cpu.").withLastTransitionTime(since.toString())
                .build()).build());
    }

    /** Placed on a node; the containers are being created (images pulled, volumes mounted). */
    void creating(String ns, String name) {
        Pod p = pod(ns, name);
        event(p, null, "Normal", "Scheduled", "Successfully assigned " + ns + "/" + name + " to fake-node");
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(scheduled(s))
                .withContainerStatuses(p.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withReady(false).withRestartCount(0)
                        .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build())
                        .toList())
                .build());
    }

    /** The kubelet pulls the containers' images: Pulling Events, the containers still ContainerCreating. */
    void pulling(String ns, String name) {
        Pod p = pod(ns, name);
        p.getSpec().getContainers().forEach(c -> event(p, c.getName(), "Normal", "Pulling", "Pulling image \"" + c.getImage() + "\""));
    }

    /** The containers run but nothing in them ever listens: an agent that never answers /healthz. */
    void runningSilent(String ns, String name) {
        Pod p = pod(ns, name);
        String started = clock.instant().toString();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled(s))
                .withContainerStatuses(p.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withReady(false).withRestartCount(0).withStarted(true)
                        .withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build())
                        .toList())
                .build());
    }

    /**
     * Starts every container (a process each); each becomes ready once its agent answers
     * {@code /healthz}. Returns once the processes are launched.
     */
    void run(String ns, String name) {
        Pod p = pod(ns, name);
        Path vol = volume(ns, claimOf(p));
        try {
            Files.createDirectories(vol);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PodRun pr = new PodRun(p, vol);
        for (Container c : p.getSpec().getContainers()) {
            Run r = new Run(c);
            r.oomEveryRun = c.getImage().contains("oom");
            if (c.getImage().contains("crashes")) {
                crashing.add(ns + "/" + name + "/" + c.getName());
            }
            pr.containers.put(c.getName(), r);
        }
        pods.put(ns + "/" + name, pr);
        onWorker(() -> {
            pr.containers.values().forEach(r -> start(pr, r));
            sync(pr);
        });
    }

    /** Runs {@code step} on the sync loop later; nothing once the kubelet is closed. */
    private void post(Runnable step) {
        try {
            worker.execute(step);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the node is gone
        }
    }

    /** Runs {@code step} on the sync loop and waits for it (so a test's step is done when the call returns). */
    private void onWorker(Runnable step) {
        if (Thread.currentThread() == workerThread) {
            step.run();
            return;
        }
        try {
            worker.submit(step).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts one run of a container: on the sync loop. */
    private void start(PodRun pr, Run r) {
        if (pr.deleted) {
            return;
        }
        String c = r.spec.getName();
        Map<String, String> env = new LinkedHashMap<>();
        String mount = r.spec.getVolumeMounts().get(0).getMountPath();
        for (EnvVar v : r.spec.getEnv()) {
            String value = v.getValue();
            if (v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null) {
                // as the kubelet does: the value from the Secret, or the container cannot be created
                var ref = v.getValueFrom().getSecretKeyRef();
                var secret = client.secrets().inNamespace(pr.ns).withName(ref.getName()).get();
                value = secret == null ? null : AgentTokens.read(secret).get(ref.getKey());
                if (value == null) {
                    r.waitingReason = "CreateContainerConfigError";
                    r.waitingMessage = secret == null ? "secret \"" + ref.getName() + "\" not found"
                            : "couldn't find key " + ref.getKey() + " in Secret " + pr.ns + "/" + ref.getName();
                    r.process = null;
                    return;
                }
            }
            // the container's paths are the volume's directory here
            env.put(v.getName(), value != null && value.startsWith(mount) ? pr.volume + value.substring(mount.length()) : value);
        }
        r.env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        boolean crash = crashing.contains(pr.ns + "/" + pr.name + "/" + c);
        env.put("PILOTHOUSE_AGENT_PORT", crash ? "no-port-in-this-image" : "0");
        env.put("PILOTHOUSE_AGENT_HOST", "127.0.0.1");
        ContainerLogs.Log log = cluster.logs.start(pr.ns, pr.name, c);
        r.oomKilled = false;
        r.ready = false;
        r.waitingReason = null;
        r.waitingMessage = null;
        r.terminated = null;
        r.startedAt = Instant.now();
        event(pr.pod, c, "Normal", "Pulled", "Container image \"" + r.spec.getImage() + "\" already present on machine");
        event(pr.pod, c, "Normal", "Created", "Created container: " + c);
        event(pr.pod, c, "Normal", "Started", "Started container " + c);
        ContainerProcess[] started = new ContainerProcess[1];
        started[0] = ContainerProcess.start(env, pr.volume, log, code -> post(() -> exited(pr, r, started[0], code, log)));
        r.process = started[0];
        started[0].port().thenAccept(port -> {
            if (port > 0) {
                probes.execute(() -> probe(pr, r, started[0], port));
            }
        });
    }

    /** The readiness probe: ready once /healthz answers 200. */
    private void probe(PodRun pr, Run r, ContainerProcess p, int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (p.alive() && !pr.deleted && System.nanoTime() < deadline) {
            if (healthy(port)) {
                post(() -> {
                    if (r.process != p || !p.alive() || pr.deleted) {
                        return;
                    }
                    if (r.oomEveryRun) {
                        // it allocates what its limit does not allow as soon as it runs
                        oomKill(pr, r);
                        return;
                    }
                    r.ready = true;
                    sync(pr);
                });
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    private static boolean healthy(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/healthz").toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** A container's process ended: record it and apply the restart policy (on the sync loop). */
    private void exited(PodRun pr, Run r, ContainerProcess p, int code, ContainerLogs.Log log) {
        log.end();
        if (r.process != p || pr.deleted) {
            return;
        }
        r.process = null;
        r.ready = false;
        String reason = r.oomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error";
        Instant now = Instant.now();
        // terminationMessagePolicy FallbackToLogsOnError: the log's tail says why
        String message = null;
        if (code != 0 && "FallbackToLogsOnError".equals(r.spec.getTerminationMessagePolicy())) {
            List<ContainerLogs.Line> lines = log.lines();
            message = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()).stream()
                    .map(ContainerLogs.Line::text).toList());
            if (message.length() > 2048) {
                message = message.substring(message.length() - 2048);
            }
        }
        r.terminated = new ContainerStateTerminatedBuilder().withExitCode(code).withReason(reason).withMessage(message)
                .withStartedAt(r.startedAt.toString()).withFinishedAt(now.toString())
                .withContainerID("containerd://" + pr.uid + "-" + r.spec.getName() + "-" + r.restarts).build();
        if (!restarts(pr, code)) {
            sync(pr);
            return;
        }
        if (r.lastRestart != null && Duration.between(r.lastRestart, now).compareTo(MAX_BACKOFF.multipliedBy(2)) > 0) {
            r.backoffNow = null;
        }
        Instant allowed = r.lastRestart == null || r.backoffNow == null ? now : r.lastRestart.plus(r.backoffNow);
        if (now.isBefore(allowed)) {
            Duration wait = Duration.between(now, allowed);
            r.last = r.terminated;
            r.terminated = null;
            event(pr.pod, r.spec.getName(), "Warning", "BackOff", "Back-off restarting failed container " + r.spec.getName()
                    + " in pod " + pr.name + "_" + pr.ns + "(" + pr.uid + ")");
            r.waitingReason = "CrashLoopBackOff";
            r.waitingMessage = "back-off " + r.backoffNow.toSeconds() + "s restarting failed container=" + r.spec.getName()
                    + " pod=" + pr.name + "_" + pr.ns + "(" + pr.uid + ")";
            sync(pr);
            worker.schedule(() -> restart(pr, r), wait.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        // the terminated state is seen first, then the kubelet restarts the container
        sync(pr);
        restart(pr, r);
    }

    /** Whether the pod's restart policy restarts a container that exited with {@code code}. */
    private static boolean restarts(PodRun pr, int code) {
        String policy = pr.pod.getSpec().getRestartPolicy() == null ? "Always" : pr.pod.getSpec().getRestartPolicy();
        return policy.equals("Always") || policy.equals("OnFailure") && code != 0;
    }

    private void restart(PodRun pr, Run r) {
        if (pr.deleted) {
            return;
        }
        if (r.terminated != null) {
            r.last = r.terminated;
        }
        r.restarts++;
        Instant now = Instant.now();
        r.backoffNow = r.backoffNow == null ? backoff : min(r.backoffNow.multipliedBy(2), MAX_BACKOFF);
        r.lastRestart = now;
        start(pr, r);
        sync(pr);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The kernel's OOM killer ends the container: SIGKILL, reported as OOMKilled. */
    private void oomKill(PodRun pr, Run r) {
        ContainerProcess p = r.process;
        if (p != null) {
            r.oomKilled = true;
            p.kill();
        }
    }

    /** What the pod's status says now, written as the kubelet writes it (on the sync loop). */
    private void sync(PodRun pr) {
        if (pr.deleted) {
            return;
        }
        List<ContainerStatus> statuses = new ArrayList<>();
        boolean allReady = true;
        boolean allDone = true;
        boolean anyFailed = false;
        for (Run r : pr.containers.values()) {
            var b = new ContainerStatusBuilder().withName(r.spec.getName()).withImage(r.spec.getImage())
                    .withReady(r.ready).withRestartCount(r.restarts).withStarted(r.process != null);
            if (r.process != null) {
                b.withNewState().withNewRunning().withStartedAt(r.startedAt.toString()).endRunning().endState();
                allDone = false;
            } else if (r.waitingReason != null) {
                b.withNewState().withNewWaiting().withReason(r.waitingReason).withMessage(r.waitingMessage).endWaiting().endState();
                allDone = false;
            } else if (r.terminated != null) {
                b.withNewState().withTerminated(r.terminated).endState();
                anyFailed |= r.terminated.getExitCode() != 0;
                // one the kubelet is about to restart keeps the pod Running
                allDone &= !restarts(pr, r.terminated.getExitCode());
            } else {
                b.withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState();
                allDone = false;
            }
            if (r.last != null) {
                b.withNewLastState().withTerminated(r.last).endLastState();
            }
            allReady &= r.ready;
            statuses.add(b.build());
        }
        // a container waiting to be (re)started keeps the pod Running, as the kubelet reports it
        String phase = allDone ? (anyFailed ? "Failed" : "Succeeded") : "Running";
        String ready = allReady ? "True" : "False";
        UnaryOperator<PodStatus> status = s -> new PodStatusBuilder().withPhase(phase).withConditions(scheduled(s),
                        new PodConditionBuilder().withType("Initialized").withStatus("True").build(),
                        new PodConditionBuilder().withType("ContainersReady").withStatus(ready).build(),
                        new PodConditionBuilder().withType("Ready").withStatus(ready).build())
                .withContainerStatuses(statuses).withStartTime(pr.pod.getMetadata().getCreationTimestamp())
                .build();
        try {
            status(pr.ns, pr.name, status);
        } catch (RuntimeException e) {
            // deleted meanwhile
        }
    }

    void imagePullBackOff(String ns, String name) {
        Pod p = pod(ns, name);
        String image = p.getSpec().getContainers().get(0).getImage();
        String c = p.getSpec().getContainers().get(0).getName();
        event(p, c, "Normal", "Pulling", "Pulling image \"" + image + "\"");
        event(p, c, "Warning", "Failed", "Failed to pull image \"" + image + "\": rpc error: code = NotFound desc = "
                + "failed to pull and unpack image \"" + image + "\": not found");
        event(p, c, "Warning", "Failed", "Error: ErrImagePull");
        event(p, c, "Normal", "BackOff", "Back-off pulling image \"" + image + "\"");
        waiting(ns, name, "ErrImagePull", "rpc error: code = NotFound desc = failed to pull and unpack image \""
                + image + "\": not found");
        waiting(ns, name, "ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
    }

    /** The first container waits with this reason and message. */
    void waiting(String ns, String name, String reason, String message) {
        Pod p = pod(ns, name);
        List<ContainerStatus> statuses = new ArrayList<>();
        for (int i = 0; i < p.getSpec().getContainers().size(); i++) {
            Container c = p.getSpec().getContainers().get(i);
            var b = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(false)
                    .withRestartCount(0).withNewState().withNewWaiting()
                    .withReason(i == 0 ? reason : "ContainerCreating").withMessage(i == 0 ? message : null)
                    .endWaiting().endState();
            statuses.add(b.build());
        }
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(scheduled(s))
                .withContainerStatuses(statuses).build());
    }

    /** The container's process dies (SIGKILL, exit 137) as a crashing agent would; the kubelet restarts it. */
    void crash(String ns, String pod, String container) {
        ContainerProcess p = process(ns, pod, container);
        p.kill();
    }

    /** The kernel kills the container for exceeding its memory limit (exit 137, reason OOMKilled). */
    void oomKill(String ns, String pod, String container) {
        onWorker(() -> {
            PodRun pr = pods.get(ns + "/" + pod);
            oomKill(pr, pr.containers.get(container));
        });
    }

    /** From now on the container fails every start (its image broke); the current run is killed. */
    void breakImage(String ns, String pod, String container) {
        crashing.add(ns + "/" + pod + "/" + container);
        crash(ns, pod, container);
    }

    /** The container's process now; fails when it does not run. */
    ContainerProcess process(String ns, String pod, String container) {
        PodRun pr = pods.get(ns + "/" + pod);
        ContainerProcess p = pr == null ? null : pr.containers.get(container).process;
        if (p == null) {
            throw new IllegalStateException("container " + container + " of pod " + ns + "/" + pod + " does not run");
        }
        return p;
    }

    /**
     * The kubelet evicts the pod (its node ran short of memory): the containers are killed and
     * not restarted, the pod is Failed with reason Evicted, and stays until someone deletes it.
     */
    void evict(String ns, String name) {
        onWorker(() -> {
            PodRun pr = pods.get(ns + "/" + name);
            pr.deleted = true;
            List<ContainerStatus> statuses = new ArrayList<>();
            for (Run r : pr.containers.values()) {
                ContainerProcess p = r.process;
                if (p != null) {
                    p.kill();
                    p.awaitExit();
                }
                statuses.add(new ContainerStatusBuilder().withName(r.spec.getName()).withImage(r.spec.getImage())
                        .withReady(false).withRestartCount(r.restarts).withNewState().withNewTerminated().withExitCode(137)
                        .withReason("Error").withStartedAt(r.startedAt.toString()).withFinishedAt(Instant.now().toString())
                        .endTerminated().endState().build());
            }
            status(ns, name, s -> new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                    .withMessage("The node was low on resource: memory. Threshold quantity: 100Mi, available: 42Mi.")
                    .withConditions(scheduled(s)).withContainerStatuses(statuses).build());
        });
    }

    /** Someone (kubectl, a node drain) deletes the pod. */
    void deletePod(String ns, String name) {
        client.pods().inNamespace(ns).withName(name).delete();
    }

    /** The copy pod's container, run in this JVM: copies, writes its progress to its log as it goes, exits 0. */
    private void runCopy(Pod p) {
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        List<String> command = p.getSpec().getContainers().get(0).getCommand();
        String mode = command.get(command.size() - 1);
        String from = null;
        String to = null;
        for (Volume v : p.getSpec().getVolumes()) {
            if (v.getName().equals("from")) {
                from = v.getPersistentVolumeClaim().getClaimName();
            } else if (v.getName().equals("to")) {
                to = v.getPersistentVolumeClaim().getClaimName();
            }
        }
        ContainerLogs.Log log = cluster.logs.start(ns, name, CopyPod.CONTAINER);
        String started = Instant.now().toString();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled(s))
                .withContainerStatuses(new ContainerStatusBuilder().withName(CopyPod.CONTAINER).withReady(true)
                        .withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build())
                .build());
        Path src = volume(ns, from);
        String history = dev.pilothouse.runtime.VolumeCopy.HISTORY_DIR;
        List<Path> files = listTree(src, rel -> switch (mode) {
            case "workspace" -> !rel.startsWith(history);
            case "conversation" -> rel.startsWith(history);
            default -> true;
        });
        long bytes = files.stream().mapToLong(f -> f.toFile().length()).sum();
        log.append(CopyPod.PREFIX + "total " + files.size() + " " + bytes);
        long done = 0;
        int n = 0;
        for (Path f : files) {
            Path target = volume(ns, to).resolve(src.relativize(f).toString());
            try {
                Files.createDirectories(target.getParent());
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done += f.toFile().length();
            log.append(CopyPod.PREFIX + "done " + ++n + " " + done);
        }
        log.append(CopyPod.PREFIX + "complete " + files.size() + " " + bytes);
        log.end();
        String finished = Instant.now().toString();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Succeeded").withConditions(scheduled(s))
                .withContainerStatuses(new ContainerStatusBuilder().withName(CopyPod.CONTAINER).withReady(false)
                        .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withStartedAt(started)
                        .withFinishedAt(finished).endTerminated().endState().build())
                .build());
    }

    /** The files under {@code from} whose relative path passes {@code keep}. */
    private static List<Path> listTree(Path from, java.util.function.Predicate<String> keep) {
        if (!Files.isDirectory(from)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(from)) {
            return all.filter(Files::isRegularFile).filter(f -> keep.test(from.relativize(f).toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the files whose path relative to {@code from} passes {@code keep}. */
    private static void copyTree(Path from, Path to, java.util.function.Predicate<String> keep) {
        for (Path f : listTree(from, keep)) {
            Path target = to.resolve(from.relativize(f).toString());
            try {
                Files.createDirectories(target.getParent());
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Records a Kubernetes Event about the pod as the kubelet and the scheduler do (one object per
     * occurrence here; a real kubelet also aggregates repeats into a count).
     */
    void event(Pod p, String container, String type, String reason, String message) {
        String now = clock.instant().toString();
        try {
            client.v1().events().inNamespace(p.getMetadata().getNamespace()).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                    .withNewMetadata().withName(p.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                    .withNamespace(p.getMetadata().getNamespace()).endMetadata()
                    .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withName(p.getMetadata().getName())
                    .withNamespace(p.getMetadata().getNamespace()).withUid(p.getMetadata().getUid())
                    .withFieldPath(container == null ? null : "spec.containers{" + container + "}").endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message).withCount(1)
                    .withFirstTimestamp(now).withLastTimestamp(now)
                    .withNewSource().withComponent(reason.equals("Scheduled") || reason.equals("FailedScheduling")
                            ? "default-scheduler" : "kubelet").withHost("fake-node").endSource()
                    .build()).create();
        } catch (RuntimeException e) {
            // the namespace or the server is going away
        }
    }

    /** PodScheduled True, since the pod was first placed (a status update keeps the transition's time). */
    private PodCondition scheduled(PodStatus before) {
        return (before == null ? List.<PodCondition>of() : before.getConditions()).stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "True".equals(c.getStatus())).findFirst()
                .orElseGet(() -> new PodConditionBuilder().withType("PodScheduled").withStatus("True")
                        .withLastTransitionTime(clock.instant().toString()).build());
    }

    private static String claimOf(Pod p) {
        return p.getSpec().getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null).findFirst()
                .orElseThrow().getPersistentVolumeClaim().getClaimName();
    }

    Pod pod(String ns, String name) {
        Pod p = client.pods().inNamespace(ns).withName(name).get();
        if (p == null) {
            throw new IllegalStateException("no pod " + ns + "/" + name);
        }
        return p;
    }

    private void status(String ns, String name, UnaryOperator<PodStatus> next) {
        client.pods().inNamespace(ns).withName(name).editStatus(p -> {
            p.setStatus(next.apply(p.getStatus()));
            return p;
        });
    }

    /** The pod is gone: SIGTERM to its containers (the agents exit 0), their logs end. */
    private void stopContainers(Pod p) {
        String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        inspectors.remove(key);
        PodRun pr = pods.get(key);
        if (pr != null && pr.uid.equals(p.getMetadata().getUid())) {
            pods.remove(key, pr);
            pr.deleted = true;
            pr.containers.values().forEach(r -> {
                ContainerProcess c = r.process;
                if (c != null) {
                    c.terminate();
                    post(() -> event(p, r.spec.getName(), "Normal", "Killing", "Stopping container " + r.spec.getName()));
                }
            });
        }
        crashing.removeIf(k -> k.startsWith(key + "/"));
        cluster.logs.podGone(p.getMetadata().getNamespace(), p.getMetadata().getName());
    }

    /** Agent containers running now. */
    int runningContainers() {
        return (int) pods.values().stream().flatMap(pr -> pr.containers.values().stream())
                .filter(r -> r.process != null && r.process.alive()).count();
    }

    @Override
    public void close() {
        podInformer.close();
        claims.close();
        worker.shutdownNow();
        try {
            // a provisioning step still running would write into a temp dir being deleted
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        probes.shutdownNow();
        List<ContainerProcess> all = new ArrayList<>();
        pods.values().forEach(pr -> {
            pr.deleted = true;
            pr.containers.values().forEach(r -> {
                if (r.process != null) {
                    all.add(r.process);
                }
            });
        });
        pods.clear();
        if (minimalBin != null) {
            try (Stream<Path> links = Files.list(minimalBin)) {
                for (Path l : links.toList()) {
                    Files.delete(l);
                }
                Files.delete(minimalBin);
            } catch (IOException e) {
                // a leftover in the temporary directory
            }
        }
        all.forEach(ContainerProcess::kill);
        for (ContainerProcess c : all) {
            c.awaitExit();
        }
        client.close();
    }
}
