package dev.pilothouse.bench;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.CopyProgress;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The engine's benchmarks (issue 2): not part of {@code mvn verify}. Run with
 * <pre>mvn -q test-compile exec:exec@bench -Dbench=all</pre>
 * ({@code -Dbench=transitions|list|create|copy}). Each prints its figures as Markdown rows.
 */
public final class EngineBenchmarks {
    private EngineBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        Path root = Files.createTempDirectory("pilothouse-bench");
        System.out.println("# engine benchmarks, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", work dir " + root);
        try {
            if (which.equals("all") || which.startsWith("transitions")) {
                // transitions:N measures rounds of N (default 50,000): each write is durable, so a round takes a while
                int n = which.startsWith("transitions:") ? Integer.parseInt(which.substring("transitions:".length())) : 50_000;
                transitions(root.resolve("transitions"), n);
            }
            if (which.equals("all") || which.equals("list")) {
                list(root.resolve("list"));
            }
            if (which.equals("all") || which.equals("create")) {
                create(root.resolve("create"));
            }
            if (which.equals("all") || which.equals("copy")) {
                copy(root.resolve("copy"));
            }
        } finally {
            new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
        }
    }

    // ---- (a) transitions persisted per second ---------------------------------------------------

    static void transitions(Path dir, int n) {
        try (Store store = Store.open(dir)) {
            AgentDefinition ref = store.read(tx -> tx.findLiveAgent("reference")).orElseThrow();
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                sessions.add(insert(store, ref, "t" + i, SessionState.READY));
            }
            // warm-up, then 5 measured rounds of n transitions, each with its audit row, one thread
            runTransitions(store, sessions, n * 2 / 5);
            double[] rates = new double[5];
            for (int r = 0; r < rates.length; r++) {
                long t0 = System.nanoTime();
                runTransitions(store, sessions, n);
                rates[r] = n / ((System.nanoTime() - t0) / 1e9);
            }
            double[] parallel = new double[5];
            for (int r = 0; r < parallel.length; r++) {
                parallel[r] = parallelTransitions(store, sessions, 4, n / 4);
            }
            System.out.printf("| transitions persisted/s, 1 writer (each UPDATE + audit INSERT in one transaction) | %,.0f (min %,.0f, max %,.0f) |%n",
                    median(rates), min(rates), max(rates));
            System.out.printf("| transitions persisted/s, 4 writers on distinct sessions | %,.0f (min %,.0f, max %,.0f) |%n",
                    median(parallel), min(parallel), max(parallel));
        }
    }

    private static void runTransitions(Store store, List<Session> sessions, int n) {
        for (int i = 0; i < n; i++) {
            int k = i % sessions.size();
            Session s = sessions.get(k);
            SessionState next = s.state() == SessionState.READY ? SessionState.BUSY : SessionState.READY;
            Session after = s.toBuilder().state(next).updatedAt(Instant.now()).build();
            sessions.set(k, store.write(tx -> tx.saveSession(s, after, "bench", "benchmark")));
        }
    }

    private static double parallelTransitions(Store store, List<Session> sessions, int threads, int each) throws RuntimeException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                List<Session> mine = new ArrayList<>(sessions.subList(t * sessions.size() / threads, (t + 1) * sessions.size() / threads));
                fs.add(pool.submit(() -> runTransitions(store, mine, each)));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            double rate = threads * each / ((System.nanoTime() - t0) / 1e9);
            // reload the latest versions for the next round
            for (int i = 0; i < sessions.size(); i++) {
                String id = sessions.get(i).id();
                sessions.set(i, store.read(tx -> tx.findSession(id)).orElseThrow());
            }
            return rate;
        } catch (Exception e) {
            throw new RuntimeException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- (b) listing 50,000 sessions ------------------------------------------------------------

    static void list(Path dir) {
        int n = 50_000;
        try (Store store = Store.open(dir)) {
            AgentDefinition ref = store.read(tx -> tx.findLiveAgent("reference")).orElseThrow();
            long t0 = System.nanoTime();
            for (int batch = 0; batch < n / 1000; batch++) {
                int b = batch;
                store.write(tx -> {
                    for (int i = 0; i < 1000; i++) {
                        // sessions without a runtime (IDLE or ERROR), as a store of 50,000 mostly holds:
                        // live ones would be reconciled (no processes stand behind them here)
                        Session s = session(ref, "s-" + b + "-" + i, i % 4 == 0 ? SessionState.ERROR : SessionState.IDLE);
                        tx.insertSession(s, List.of(ref), "bench", "benchmark", null);
                    }
                    return null;
                });
            }
            System.out.printf("(inserted %,d sessions in %.1f s)%n", n, (System.nanoTime() - t0) / 1e9);
        }
        try (Engine engine = Engine.open(EngineConfig.of(dir))) {
            for (int i = 0; i < 10; i++) {
                engine.sessions(false);
            }
            double[] ms = new double[20];
            int size = 0;
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                size = engine.sessions(false).size();
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.println("(samples, ms: " + Arrays.toString(Arrays.stream(ms).mapToLong(Math::round).toArray()) + ")");
            System.out.printf("| listing %,d sessions at the engine (Engine.sessions, from the H2 file, with agents) | median %.0f ms (min %.0f, max %.0f) |%n",
                    size, median(ms), min(ms), max(ms));
            List<Session> held = engine.sessions(false);
            System.gc();
            long used = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            System.out.printf("| heap in use after GC, holding one listing of %,d sessions | %.0f MB |%n", held.size(), used / 1e6);
        }
    }

    // ---- (c) engine overhead of create -> READY ----------------------------------------------------

    private static final Pattern READY_AT = Pattern.compile("ready_at_us=(\\d+)");
    private static final Pattern SPAWNED_AT = Pattern.compile("spawned at (\\S+) ----");

    /**
     * Creates sessions with the reference agent and subtracts the agent's own start-up (spawn to its
     * ready line, stamped by the agent once it has answered a /healthz to itself) from the time
     * create() took; what follows the ready line (the engine's next look, the agent's first proof,
     * READY recorded) counts as overhead. Measured twice: the
     * first sessions an engine creates (its code still interpreted) and after 150 creates.
     */
    static void create(Path dir) throws IOException {
        try (Engine engine = Engine.open(EngineConfig.of(dir))) {
            LocalRuntime local = (LocalRuntime) engine.runtime(engineSession(engine));
            createRound(engine, local, dir, 20, "first 20 creates of a new engine");
            List<String> warm = new ArrayList<>();
            for (int i = 0; i < 130; i++) {
                warm.add(engine.create(CreateRequest.of(null, "reference"), null).session().id());
                if (warm.size() == 30) {
                    warm.forEach(local::stop);
                    warm.clear();
                }
            }
            warm.forEach(local::stop);
            createRound(engine, local, dir, 30, "after 150 creates");
        }
    }

    private static void createRound(Engine engine, LocalRuntime local, Path dir, int n, String label) throws IOException {
        double[] overhead = new double[n];
        double[] total = new double[n];
        double[] agent = new double[n];
        double[] before = new double[n];
        double[] after = new double[n];
        // agents are stopped after the round: waiting seconds for each to stop would leave the engine
        // idle before every create, and this VM runs the first work after an idle second 10x slower
        List<String> started = new ArrayList<>();
        double[] cpu = new double[n];
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < n; i++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long wallStart = micros(Instant.now());
            Session s = engine.create(CreateRequest.of(null, "reference"), null).session();
            long elapsedUs = (System.nanoTime() - t0) / 1000;
            long wallEnd = micros(Instant.now());
            cpu[i] = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
            if (s.state() != SessionState.READY) {
                throw new IllegalStateException("session did not start: " + s.terminationReason());
            }
            Path logFile = dir.resolve("sessions").resolve(s.id()).resolve("logs").resolve("reference.log");
            String log = Files.readString(logFile);
            // the engine may see the agent answer a moment before the agent prints its ready line
            for (long until = System.nanoTime() + 5_000_000_000L; !READY_AT.matcher(log).find() && System.nanoTime() < until; ) {
                Thread.onSpinWait();
                log = Files.readString(logFile);
            }
            long spawned = micros(Instant.parse(find(SPAWNED_AT, log)));
            long ready = Long.parseLong(find(READY_AT, log));
            started.add(s.id());
            agent[i] = (ready - spawned) / 1000.0;
            total[i] = elapsedUs / 1000.0;
            overhead[i] = total[i] - agent[i];
            before[i] = (spawned - wallStart) / 1000.0;
            after[i] = (wallEnd - ready) / 1000.0;
        }
        started.forEach(local::stop);
        System.out.printf("| create -> READY, %s: total | median %.1f ms |%n", label, median(total));
        System.out.printf("| ... the agent's own start-up (spawn to its ready line: bound and answering) | median %.1f ms |%n", median(agent));
        System.out.printf("| ... engine before spawning / from the agent's ready line to READY | median %.2f ms / %.2f ms |%n",
                median(before), median(after));
        System.out.printf("| ... CPU time of the engine thread during create(), %s | median %.2f ms |%n", label, median(cpu));
        System.out.printf("| engine overhead of create -> READY, %s, n=%d | median %.2f ms (min %.2f, max %.2f) |%n",
                label, n, median(overhead), min(overhead), max(overhead));
    }

    private static Session engineSession(Engine engine) {
        return engine.create(CreateRequest.of("probe", "reference"), null).session();
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("no " + p + " in agent log");
        }
        return last;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    // ---- (d) remix copy throughput against cp -a ------------------------------------------------

    static void copy(Path dir) throws Exception {
        int files = 10_000;
        int size = 100 * 1024 + 1024 / 2; // ~1 GB in all
        LocalRuntime runtime = new LocalRuntime(dir);
        String parent = UUID.randomUUID().toString();
        Path src = runtime.workspace(parent);
        Random random = new Random(42);
        byte[] buf = new byte[size];
        for (int i = 0; i < files; i++) {
            Path f = src.resolve("d" + (i % 100)).resolve("sub" + (i % 7)).resolve("f" + i + ".bin");
            Files.createDirectories(f.getParent());
            random.nextBytes(buf);
            Files.write(f, buf);
        }
        long bytes = (long) files * size;
        System.out.printf("(generated %,d files, %.2f GB)%n", files, bytes / 1e9);
        double[] ratio = new double[5];
        double[] ours = new double[5];
        double[] cp = new double[5];
        for (int r = -1; r < ratio.length; r++) {
            String child = UUID.randomUUID().toString();
            long t0 = System.nanoTime();
            runtime.copyVolume(parent, child, new VolumeCopy(true, true), CopyProgress.NONE);
            double a = bytes / ((System.nanoTime() - t0) / 1e9);
            runtime.purgeVolume(child);
            Path target = dir.resolve("cp-target");
            t0 = System.nanoTime();
            int exit = new ProcessBuilder("cp", "-a", src.toString(), target.toString()).inheritIO().start().waitFor();
            double b = bytes / ((System.nanoTime() - t0) / 1e9);
            new ProcessBuilder("rm", "-rf", target.toString()).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("cp -a failed");
            }
            if (r < 0) {
                continue;
            }
            ours[r] = a / 1e6;
            cp[r] = b / 1e6;
            ratio[r] = a / b;
        }
        System.out.printf("| remix copy of 1 GB in %,d files: Pilothouse | median %.0f MB/s |%n", files, median(ours));
        System.out.printf("| same tree, `cp -a`, same run, alternating | median %.0f MB/s |%n", median(cp));
        System.out.printf("| ratio Pilothouse / cp -a, pair by pair | median %.2f (min %.2f, max %.2f) |%n",
                median(ratio), min(ratio), max(ratio));
        runtime.close();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static Session insert(Store store, AgentDefinition ref, String name, SessionState state) {
        Session s = session(ref, name, state);
        return store.write(tx -> tx.insertSession(s, List.of(ref), "bench", "benchmark", null));
    }

    static Session session(AgentDefinition ref, String name, SessionState state) {
        Instant now = Instant.now();
        return new Session(UUID.randomUUID().toString(), name, "local", "default", "", state, Phase.PAUSED, 300, 86400,
                "{\"project\":\"bench\"}", List.of(new SessionAgent(ref.id(), ref.name(), ref.model(), ref.image())),
                Resources.DEFAULT, null, "bench", now, now, now, null, null, null, null, 0);
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
