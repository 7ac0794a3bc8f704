package dev.pilothouse.bench;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.runtime.local.LocalRuntime;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 15, item 7: what sampling costs the engine with 100 running local sessions (real reference
 * agents). The engine's own process CPU over a minute of sampling every 5 s, against a minute with
 * none, and the CPU of the sampling calls themselves; both after a minute of sampling not measured,
 * so that what is compared is the steady cost, not the JIT's first compilation of the sampling. Not part of {@code mvn verify}:
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.MetricsBenchmark -Dbench=100</pre>
 */
public final class MetricsBenchmark {
    private MetricsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        long seconds = 60;
        Path dir = Files.createTempDirectory("pilothouse-metrics-bench");
        System.out.println("# metrics sampling benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", " + sessions + " sessions");
        try (Engine engine = Engine.open(EngineConfig.of(dir))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            java.util.List<Future<?>> made = new java.util.ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                String name = "m" + i;
                made.add(pool.submit(() -> engine.create(CreateRequest.of(name, "reference"), null)));
            }
            for (Future<?> f : made) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("(%d sessions READY)%n", sessions);
            Map<String, Current> first = engine.sampleMetrics();
            System.out.printf("(first round: %d sessions read)%n", first.size());

            // a minute of sampling first: the JIT compiles the sampling paths once, not inside the measured minute
            double warming = engineCpu(seconds, engine::sampleMetrics);
            double idle = engineCpu(seconds, null);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long[] sampling = new long[2]; // cpu ns of the sampling calls, rounds
            Map<String, Long> threads = CpuByThread.snapshot();
            double busy = engineCpu(seconds, () -> {
                long t0 = mx.getCurrentThreadCpuTime();
                Map<String, Current> r = engine.sampleMetrics();
                sampling[0] += mx.getCurrentThreadCpuTime() - t0;
                sampling[1]++;
                if (r.size() != sessions || r.values().stream().anyMatch(c -> c.memory() == null)) {
                    throw new IllegalStateException("a round read " + r.size() + " sessions, some without memory");
                }
            });
            System.out.println("(while sampling, by thread: " + CpuByThread.since(threads, seconds, sampling[1], Map.of()) + ")");
            long rows = engine.metrics("m0", java.time.Duration.ofHours(1)).history().values().stream().mapToLong(java.util.List::size).sum();
            System.out.printf("| engine process CPU, %d running sessions, no sampling | %.2f %% of one core |%n", sessions, idle);
            System.out.printf("| engine process CPU, %d running sessions, sampled every 5 s | %.2f %% of one core |%n", sessions, busy);
            System.out.printf("| engine process CPU, first minute of sampling (JIT compiling it; not compared) | %.2f %% of one core |%n", warming);
            System.out.printf("| sampling's share (difference) | %.2f %% of one core (target < 2 %%) |%n", busy - idle);
            System.out.printf("| CPU of one sampling round on its thread (reads /proc, walks volumes every 30 s, writes the store) | %.1f ms (%d rounds) |%n",
                    sampling[0] / 1e6 / sampling[1], sampling[1]);
            System.out.printf("| history rows of one session after %d s | %d |%n", seconds, rows);
        } finally {
            try (LocalRuntime r = new LocalRuntime(dir, 2000)) {
                r.volumes().forEach(r::stop);
            }
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
        System.exit(0);
    }

    /** This JVM's CPU over {@code seconds} as a percentage of one core, calling {@code every5s} every 5 s. */
    private static double engineCpu(long seconds, Runnable every5s) {
        long cpu0 = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
        long t0 = System.nanoTime();
        for (long at = 0; at < seconds; at += 5) {
            LockSupport.parkNanos(t0 + at * 1_000_000_000L - System.nanoTime());
            if (every5s != null) {
                every5s.run();
            }
        }
        LockSupport.parkNanos(t0 + seconds * 1_000_000_000L - System.nanoTime());
        long cpu = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() - cpu0;
        return 100.0 * cpu / (System.nanoTime() - t0);
    }
}
