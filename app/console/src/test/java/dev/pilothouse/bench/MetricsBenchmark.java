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
 * agents). The engine's own process CPU over half-minutes of sampling every 5 s, each against the
 * half-minute before it with none (five pairs, their median difference), and the CPU of the sampling
 * calls themselves; all after a minute of sampling not measured, so that what is compared is the
 * steady cost, not the JIT's first compilation of the sampling. Not part of {@code mvn verify}:
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
                // running for the whole benchmark: no waiting timeout pauses them (the default 5 min would, half way)
                made.add(pool.submit(() -> engine.create(CreateRequest.of(name, "reference").withTimeouts(3600L, null), null)));
            }
            for (Future<?> f : made) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("(%d sessions READY)%n", sessions);
            Map<String, Current> first = engine.sampleMetrics();
            System.out.printf("(first round: %d sessions read)%n", first.size());

            // a minute of sampling first: the JIT compiles the sampling paths once, not inside the measured minutes
            double warming = engineCpu(seconds, engine::sampleMetrics);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long[] sampling = new long[2]; // cpu ns of the sampling calls, rounds
            Runnable round = () -> {
                long t0 = mx.getCurrentThreadCpuTime();
                Map<String, Current> r = engine.sampleMetrics();
                sampling[0] += mx.getCurrentThreadCpuTime() - t0;
                sampling[1]++;
                if (r.size() != sessions || r.values().stream().anyMatch(c -> c.memory() == null)) {
                    throw new IllegalStateException("a round read " + r.size() + " sessions, some without memory");
                }
            };
            // half-minutes without and with sampling in turn: the process's CPU drifts by a percentage
            // point from minute to minute (GC, the JIT, 100 agents' logs followed), which one minute
            // of each, one after the other, read as sampling's cost or hid
            java.util.List<Double> idle = new java.util.ArrayList<>();
            java.util.List<Double> busy = new java.util.ArrayList<>();
            java.util.List<Double> share = new java.util.ArrayList<>();
            Map<String, Long> threads = CpuByThread.snapshot();
            java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long[] compiling = new long[2]; // ms the JIT compiled in the half-minutes without, with sampling
            for (int pair = 0; pair < PAIRS; pair++) {
                long c0 = jit.getTotalCompilationTime();
                idle.add(engineCpu(seconds / 2, null));
                long c1 = jit.getTotalCompilationTime();
                busy.add(engineCpu(seconds / 2, round));
                compiling[0] += c1 - c0;
                compiling[1] += jit.getTotalCompilationTime() - c1;
                share.add(busy.get(pair) - idle.get(pair));
            }
            System.out.println("(over the " + PAIRS + " pairs, idle and sampling half-minutes, by thread, per sampling round: " + CpuByThread.since(threads, seconds * PAIRS, sampling[1], Map.of()) + ")");
            long rows = engine.metrics("m0", java.time.Duration.ofHours(1)).history().values().stream().mapToLong(java.util.List::size).sum();
            System.out.printf("| engine process CPU, %d running sessions, no sampling (%d half-minutes) | %s %% of one core |%n", sessions, PAIRS, percents(idle));
            System.out.printf("| engine process CPU, %d running sessions, sampled every 5 s (the half-minute after each) | %s %% of one core |%n", sessions, percents(busy));
            System.out.printf("| engine process CPU, first minute of sampling (JIT compiling it; not compared) | %.2f %% of one core |%n", warming);
            System.out.printf("| sampling's share (each pair's difference) | %s %% of one core, median **%.2f %%** (target < 2 %%) |%n",
                    percents(share), EngineBenchmarks.median(share.stream().mapToDouble(Double::doubleValue).toArray()));
            System.out.printf("| the JIT compiling, in the half-minutes without / with sampling | %.2f / %.2f %% of one core |%n",
                    100.0 * compiling[0] / 1000 / (seconds / 2.0 * PAIRS), 100.0 * compiling[1] / 1000 / (seconds / 2.0 * PAIRS));
            System.out.printf("| CPU of one sampling round on its thread (reads /proc, walks volumes every 30 s, writes the store) | %.1f ms (%d rounds): %.2f %% of one core |%n",
                    sampling[0] / 1e6 / sampling[1], sampling[1], sampling[0] / 1e6 / sampling[1] / 5000 * 100);
            System.out.printf("| history rows of one session at the end | %d |%n", rows);
        } finally {
            try (LocalRuntime r = new LocalRuntime(dir, 2000)) {
                r.volumes().forEach(r::stop);
            }
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
        System.exit(0);
    }

    /** Pairs of half-minutes, without and with sampling; odd, so that the median is one of them. */
    private static final int PAIRS = 5;

    private static String percents(java.util.List<Double> values) {
        return values.stream().map(v -> String.format("%.2f", v)).collect(java.util.stream.Collectors.joining(", "));
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
