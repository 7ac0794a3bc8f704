package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.reference.ContainerAgent;
import io.fabric8.kubernetes.api.model.Container;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Plays the kubelet (and the scheduler, and a CSI driver) for the mock API server, which runs no
 * controllers: moves Pilothouse's pods through Pending, ContainerCreating and Running, runs each
 * agent container as the reference agent in this JVM on a directory standing for the PVC, fails
 * containers whose image says so, runs copy pods, clones PVCs with a dataSource, and writes the
 * containers' logs into the log stub. In manual mode it does nothing until the test says.
 *
 * <p>Images decide what happens, as on a cluster: an image containing {@code does-not-exist}
 * fails to pull, {@code crashes} crash-loops, {@code oom} is OOMKilled, {@code needs-secret}
 * fails with CreateContainerConfigError; a CPU request above 64 cores is unschedulable.
 */
final class FakeKubelet implements AutoCloseable {
    private final FakeCluster cluster;
    private final KubernetesClient client;
    private final Path volumes;
    private final Clock clock;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-kubelet");
        t.setDaemon(true);
        return t;
    });
    /** Running agent containers by "namespace/pod/port". */
    private final Map<String, ContainerAgent> running = new ConcurrentHashMap<>();
    final AtomicInteger forwardsOpened = new AtomicInteger();
    volatile boolean manual;

    FakeKubelet(FakeCluster cluster, Path volumes, Clock clock) {
        this.cluster = cluster;
        this.client = cluster.directClient();
        this.volumes = volumes;
        this.clock = clock;
        this.pods = client.pods().inAnyNamespace().withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        if (!manual) {
                            worker.execute(() -> autoRun(p));
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
                        worker.execute(() -> provision(c));
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

    /** Port-forwards reach the agent containers this kubelet runs. */
    Forwarder forwarder() {
        return (namespace, pod, port) -> {
            forwardsOpened.incrementAndGet();
            String key = namespace + "/" + pod + "/" + port;
            return new Forwarder.Forward() {
                @Override
                public int localPort() {
                    ContainerAgent a = running.get(key);
                    if (a == null) {
                        throw new IllegalStateException("no container listens on " + key);
                    }
                    return a.port();
                }

                @Override
                public boolean alive() {
                    return running.containsKey(key);
                }

                @Override
                public void close() {
                }
            };
        };
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
            if (cpu(p).compareTo(BigDecimal.valueOf(64)) > 0) {
                unschedulable(ns, name, clock.instant());
                return;
            }
            waitingForScheduling(ns, name);
            creating(ns, name);
            String image = p.getSpec().getContainers().get(0).getImage();
            if (image.contains("does-not-exist")) {
                imagePullBackOff(ns, name);
            } else if (image.contains("crashes")) {
                crashLoop(ns, name);
            } else if (image.contains("oom")) {
                oomKilled(ns, name);
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
        client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace()).withName(c.getMetadata().getName())
                .editStatus(x -> {
                    x.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                            .withPhase("Bound").build());
                    return x;
                });
    }

    // ---- steps a test can take one by one --------------------------------------------------------

    /** Accepted by the API server, not yet placed on a node. */
    void waitingForScheduling(String ns, String name) {
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").build());
    }

    /** The scheduler found no node; since {@code since}. */
    void unschedulable(String ns, String name, Instant since) {
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient cpu.").withLastTransitionTime(since.toString())
                .build()).build());
    }

    /** Placed on a node; the containers are being created (images pulled, volumes mounted). */
    void creating(String ns, String name) {
        Pod p = pod(ns, name);
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(scheduled())
                .withContainerStatuses(p.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withReady(false).withRestartCount(0)
                        .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build())
                        .toList())
                .build());
    }

    /** Every container started (each agent serving on its port) and ready. */
    void run(String ns, String name) {
        Pod p = pod(ns, name);
        Path vol = volume(ns, claimOf(p));
        for (Container c : p.getSpec().getContainers()) {
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar v : c.getEnv()) {
                env.put(v.getName(), v.getValue());
            }
            int port = c.getPorts().get(0).getContainerPort();
            String key = ns + "/" + name + "/" + port;
            try {
                Files.createDirectories(vol);
                String mount = c.getVolumeMounts().get(0).getMountPath();
                running.put(key, ContainerAgent.start(env, mount, vol));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start container " + c.getName() + ": " + e, e);
            }
            cluster.logs.put(ns + "/" + name + "/" + c.getName(), new ArrayList<>(List.of(
                    "reference agent '" + c.getName() + "' listening on port " + port,
                    "workspace " + mount(c))));
        }
        String started = clock.instant().toString();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled(),
                        new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .withContainerStatuses(p.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withReady(true).withRestartCount(0)
                        .withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build()).toList())
                .build());
    }

    private static String mount(Container c) {
        return c.getVolumeMounts().get(0).getMountPath();
    }

    void imagePullBackOff(String ns, String name) {
        Pod p = pod(ns, name);
        String image = p.getSpec().getContainers().get(0).getImage();
        waiting(ns, name, "ErrImagePull", "rpc error: code = NotFound desc = failed to pull and unpack image \""
                + image + "\": not found");
        waiting(ns, name, "ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
    }

    /** The first container keeps exiting with 1; its previous run's log says why. */
    void crashLoop(String ns, String name) {
        Pod p = pod(ns, name);
        String c = p.getSpec().getContainers().get(0).getName();
        cluster.logs.put(ns + "/" + name + "/" + c + "/previous", List.of("loading model weights", "fatal: no GPU found"));
        cluster.logs.put(ns + "/" + name + "/" + c, List.of("loading model weights"));
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled())
                .withContainerStatuses(new ContainerStatusBuilder().withName(c).withReady(false).withRestartCount(3)
                        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                        .withMessage("back-off 40s restarting failed container=" + c + " pod=" + name).endWaiting().endState()
                        .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error")
                        .withMessage("fatal: no GPU found").endTerminated().endLastState().build())
                .build());
    }

    /** The first container crashed once and runs again: its previous run's log is kept. */
    void restartedOnce(String ns, String name, List<String> previousLog) {
        Pod p = pod(ns, name);
        String c = p.getSpec().getContainers().get(0).getName();
        cluster.logs.put(ns + "/" + name + "/" + c + "/previous", previousLog);
        String started = clock.instant().toString();
        status(ns, name, s -> new PodStatusBuilder(s).withContainerStatuses(s.getContainerStatuses().stream()
                .map(cs -> cs.getName().equals(c) ? new ContainerStatusBuilder(cs).withRestartCount(1)
                        .withNewLastState().withNewTerminated().withExitCode(2).withReason("Error").endTerminated()
                        .endLastState().withNewState().withNewRunning().withStartedAt(started).endRunning().endState().build()
                        : cs).toList()).build());
    }

    void oomKilled(String ns, String name) {
        Pod p = pod(ns, name);
        String c = p.getSpec().getContainers().get(0).getName();
        status(ns, name, s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled())
                .withContainerStatuses(new ContainerStatusBuilder().withName(c).withReady(false).withRestartCount(0)
                        .withNewState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated()
                        .endState().build())
                .build());
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
        status(ns, name, s -> new PodStatusBuilder().withPhase("Pending").withConditions(scheduled())
                .withContainerStatuses(statuses).build());
    }

    /** Someone (kubectl, a node drain) deletes the pod. */
    void deletePod(String ns, String name) {
        client.pods().inNamespace(ns).withName(name).delete();
    }

    private void runCopy(Pod p) {
        String ns = p.getMetadata().getNamespace();
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
        status(ns, p.getMetadata().getName(), s -> new PodStatusBuilder().withPhase("Running").withConditions(scheduled())
                .build());
        Path src = volume(ns, from);
        String history = dev.pilothouse.runtime.VolumeCopy.HISTORY_DIR;
        List<Path> files = copyTree(src, volume(ns, to), rel -> switch (mode) {
            case "workspace" -> !rel.startsWith(history);
            case "conversation" -> rel.startsWith(history);
            default -> true;
        });
        long bytes = files.stream().mapToLong(f -> f.toFile().length()).sum();
        List<String> lines = new ArrayList<>();
        lines.add("pilothouse-copy total " + files.size() + " " + bytes);
        lines.add("pilothouse-copy done " + files.size() + " " + bytes);
        lines.add("pilothouse-copy complete " + files.size() + " " + bytes);
        cluster.logs.put(ns + "/" + p.getMetadata().getName() + "/" + CopyPod.CONTAINER, lines);
        status(ns, p.getMetadata().getName(), s -> new PodStatusBuilder().withPhase("Succeeded").withConditions(scheduled())
                .withContainerStatuses(new ContainerStatusBuilder().withName(CopyPod.CONTAINER).withReady(false)
                        .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").endTerminated()
                        .endState().build())
                .build());
    }

    /** Copies the files whose path relative to {@code from} passes {@code keep}; returns the copies. */
    private static List<Path> copyTree(Path from, Path to, java.util.function.Predicate<String> keep) {
        List<Path> copied = new ArrayList<>();
        if (!Files.isDirectory(from)) {
            return copied;
        }
        try (Stream<Path> all = Files.walk(from)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                String rel = from.relativize(f).toString();
                if (keep.test(rel)) {
                    Path target = to.resolve(rel);
                    Files.createDirectories(target.getParent());
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                    copied.add(target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copied;
    }

    private static PodCondition scheduled() {
        return new PodConditionBuilder().withType("PodScheduled").withStatus("True").build();
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

    private void stopContainers(Pod p) {
        String prefix = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + "/";
        running.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    /** Agent containers running now. */
    int runningContainers() {
        return running.size();
    }

    @Override
    public void close() {
        pods.close();
        claims.close();
        worker.shutdownNow();
        try {
            // a provisioning step still running would write into a temp dir being deleted
            worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.values().forEach(ContainerAgent::close);
        running.clear();
        client.close();
    }
}
