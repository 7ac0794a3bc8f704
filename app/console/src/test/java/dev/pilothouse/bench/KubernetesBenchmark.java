package dev.pilothouse.bench;

import dev.pilothouse.testing.TestRuntimes;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.kubernetes.BenchObjects;
import dev.pilothouse.runtime.kubernetes.FakeCluster;
import dev.pilothouse.runtime.kubernetes.KubernetesRuntime;
import dev.pilothouse.runtime.kubernetes.KubernetesSettings;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Issue 3's benchmark: the engine with informers over N sessions (a Running pod and a PVC each,
 * 2N objects) in the fabric8 mock API server, in this JVM. Measures reconcile on start for a
 * fresh workstation (every session adopted from the cluster's annotations into an empty store)
 * and for a restart (the store knows every session), and the heap in use after GC. Run with
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.KubernetesBenchmark -Dbench=5000</pre>
 * ({@code -Dbench=N} sessions; {@code -Dbench.heap=512m} caps the heap at the target).
 */
public final class KubernetesBenchmark {
    private static final String CONTEXT = "bench";
    private static final String NS = "bench";
    private static final int RUNS = 3;

    private KubernetesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 && args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 5000;
        // reconcile alone: an engine opening a store changed since its newest backup takes its first
        // automatic backup beside the reconcile (docs/store.md), which every restart here would do
        if (System.getProperty("pilothouse.store.backupInterval") == null) {
            System.setProperty("pilothouse.store.backupInterval", "0");
        }
        Path root = Files.createTempDirectory("pilothouse-k8s-bench");
        System.out.println("# kubernetes benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB, " + n + " sessions");
        KubernetesSettings st = KubernetesSettings.DEFAULTS.with(Map.of("heartbeatSeconds", 60));
        try (FakeCluster cluster = new FakeCluster(); KubernetesClient direct = cluster.directClient()) {
            long t0 = System.nanoTime();
            cluster.createNew(() -> populate(direct, n, st));
            System.out.printf("populated %d pods and %d PVCs in %.1f s%n", n, n, (System.nanoTime() - t0) / 1e9);
            long baseline = usedAfterGc();
            System.out.printf("heap in use with the mock server holding them, before any engine: %d MB%n", baseline >> 20);

            double[] adopt = new double[RUNS];
            double[] restart = new double[RUNS];
            double[] again = new double[RUNS];
            long[] heap = new long[RUNS];
            for (int r = 0; r < RUNS; r++) {
                Path dir = root.resolve("run-" + r);
                // a fresh workstation: an empty store, every session adopted from the cluster
                try (Engine e = open(dir, cluster, st)) {
                    long s = System.nanoTime();
                    e.useContext(CONTEXT, NS);
                    adopt[r] = (System.nanoTime() - s) / 1e6;
                    check(e, n);
                }
                // a restart: the store knows every session; reconcile finds them all running
                try (Engine e = open(dir, cluster, st)) {
                    long s = System.nanoTime();
                    e.useContext(CONTEXT, NS);
                    restart[r] = (System.nanoTime() - s) / 1e6;
                    check(e, n);
                    s = System.nanoTime();
                    Engine.ReconcileReport report = e.reconcile();
                    again[r] = (System.nanoTime() - s) / 1e6;
                    if (!report.changed().isEmpty() || !report.orphans().isEmpty()) {
                        throw new IllegalStateException("a second reconcile changed " + report.changed().size()
                                + " sessions and found " + report.orphans().size() + " orphans");
                    }
                    cluster.dropListings();
                    heap[r] = usedAfterGc();
                }
                System.out.printf("run %d: adopt %.0f ms, restart %.0f ms, steady reconcile %.0f ms, heap %d MB (engine's "
                        + "share %d MB)%n", r + 1, adopt[r], restart[r], again[r], heap[r] >> 20, (heap[r] - baseline) >> 20);
            }
            System.out.println();
            System.out.println("| what | median | runs |");
            System.out.println("|---|---|---|");
            row("reconcile on start, fresh workstation (connect, list " + 2 * n + " objects, adopt " + n + " sessions)",
                    adopt, " ms");
            row("reconcile on start, restart (connect, list, " + n + " sessions found running)", restart, " ms");
            row("reconcile again with warm informers", again, " ms");
            double[] mb = Arrays.stream(heap).mapToDouble(h -> h / 1048576.0).toArray();
            row("heap in use after GC, engine open on " + n + " sessions (mock server included)", mb, " MB");
            double[] share = Arrays.stream(heap).mapToDouble(h -> (h - baseline) / 1048576.0).toArray();
            row("… of which the engine (minus the heap before it opened)", share, " MB");
            System.out.println("peak heap committed: " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
                    .getCommitted() / (1 << 20) + " MB");
        } finally {
            new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
        }
        System.exit(0);
    }

    private static Engine open(Path dir, FakeCluster cluster, KubernetesSettings st) {
        Runtimes runtimes = TestRuntimes.withContext(dir, CONTEXT,
                () -> KubernetesRuntime.connect(CONTEXT, cluster.client(NS, st), st, Clock.systemUTC()));
        return Engine.open(EngineConfig.of(dir).withActor("bench"), runtimes);
    }

    private static void check(Engine e, int n) {
        List<Session> all = e.sessions(false);
        long ready = all.stream().filter(s -> s.state() == SessionState.READY && s.phase() == Phase.RUNNING).count();
        if (all.size() != n || ready != n) {
            throw new IllegalStateException("expected " + n + " READY sessions, found " + all.size() + " (" + ready + " READY)");
        }
    }

    private static void populate(KubernetesClient client, int n, KubernetesSettings st) {
        Instant now = Instant.now();
        AgentDefinition agent = new AgentDefinition(UUID.randomUUID().toString(), "reference", KubernetesSettings.REFERENCE_IMAGE,
                List.of(), null, "You are the reference agent.", Map.of(), 8080, new Resources("500m", "256Mi", "1Gi"),
                now, now, null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("bench-%05d", i);
            Session s = new Session(UUID.randomUUID().toString(), name, CONTEXT, NS, "", SessionState.READY, Phase.RUNNING,
                    300, 86_400, "{\"run\":\"bench\"}",
                    List.of(new SessionAgent(agent.id(), agent.name(), agent.model(), agent.image())),
                    new Resources("500m", "256Mi", "1Gi"), null, "someone-else", now, now, now, null, null, null, null, 1);
            done.add(pool.submit(() -> BenchObjects.write(client, s, List.of(agent), st)));
        }
        try {
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("populating the cluster failed", e);
        } finally {
            pool.shutdown();
        }
    }

    /** Heap in use once collections stop freeing anything (within 1 MB; at most 10). */
    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = rt.totalMemory() - rt.freeMemory();
            if (used - now < (1 << 20)) {
                return now;
            }
            used = now;
        }
        return used;
    }

    private static void row(String what, double[] values, String unit) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        StringBuilder runs = new StringBuilder();
        for (double v : values) {
            runs.append(runs.length() == 0 ? "" : ", ").append(String.format("%.0f", v));
        }
        System.out.printf("| %s | **%.0f%s** | %s |%n", what, sorted[sorted.length / 2], unit, runs);
    }
}
