package dev.pilothouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.json.Json;
import dev.pilothouse.server.ApiServer;
import dev.pilothouse.server.ServerOptions;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;
import dev.pilothouse.store.StoreMaintenance;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The REST API under load (issue 12, item 10), against a real engine on a real H2 file in this JVM:
 * (a) {@code GET /api/v0/sessions/{id}} from 32 keep-alive connections, (b) paging through 50,000
 * sessions with {@code limit=500}, (c) the watch stream carrying 2,000 changes/s to 10 subscribers
 * for 30 s. The clients share the machine's cores with the server.
 *
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.ApiBenchmark -Dbench=all</pre>
 * {@code -Dbench=get}, {@code page} or {@code watch} runs one; {@code watch:32} makes the changes
 * from 32 threads instead of 8, and {@code watch:32:3000} asks 3,000 changes a second instead of
 * 2,000 (to see how much the stream and the store take beyond the target).
 */
public final class ApiBenchmark {
    private static final int SESSIONS = 50_000;

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        Path dir = Files.createTempDirectory("pilothouse-api-bench");
        System.out.println("# REST API benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", data dir " + dir);
        try {
            seed(dir);
            try (Engine engine = Engine.open(EngineConfig.of(dir))) {
                ApiServer api = ApiServer.start(engine, ServerOptions.listen("127.0.0.1:0")
                        .withLimits(ServerOptions.DEFAULT_MAX_BODY, Integer.MAX_VALUE)); // no rate limit in the way
                String token = engine.tokens().create("bench", false, null, "bench").secret();
                try {
                    if (which.equals("all") || which.equals("get")) {
                        get(api, token, engine.sessions(false));
                    }
                    if (which.equals("all") || which.equals("page")) {
                        page(api, token);
                    }
                    if (which.equals("all") || which.startsWith("watch")) {
                        // watch:N[:RATE]: N threads making RATE changes a second (8 and 2,000 unless given)
                        String[] w = which.split(":");
                        watch(api, token, engine, w.length > 1 ? Integer.parseInt(w[1]) : 8,
                                w.length > 2 ? Integer.parseInt(w[2]) : 2_000);
                    }
                } finally {
                    api.close();
                }
            }
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
    }

    private static void seed(Path dir) {
        try (Store store = Store.open(dir)) {
            AgentDefinition ref = store.read(tx -> tx.findLiveAgent("reference")).orElseThrow();
            long t0 = System.nanoTime();
            for (int batch = 0; batch < SESSIONS / 1000; batch++) {
                int b = batch;
                store.write(tx -> {
                    for (int i = 0; i < 1000; i++) {
                        Session s = EngineBenchmarks.session(ref, "s-" + b + "-" + i, i % 4 == 0 ? SessionState.ERROR
                                : SessionState.IDLE);
                        tx.insertSession(s, List.of(ref), "bench", "benchmark", null);
                    }
                    return null;
                });
            }
            System.out.printf("(inserted %,d sessions in %.1f s)%n", SESSIONS, (System.nanoTime() - t0) / 1e9);
            // backed up now, as an engine running for a while would have: the engine's own first backup of
            // a store this size would otherwise run beside the measurements
            StoreMaintenance.backup(store, null);
        }
    }

    // ---- (a) one session, 32 keep-alive clients ---------------------------------------------------

    private static void get(ApiServer api, String token, List<Session> sessions) throws Exception {
        int clients = 32;
        byte[][] one = {request(sessions.get(SESSIONS / 2).id(), token)};
        // every client walks all sessions from its own random start: almost every read misses the cache
        List<Session> shuffled = new ArrayList<>(sessions);
        java.util.Collections.shuffle(shuffled, new java.util.Random(12));
        byte[][] spread = shuffled.stream().map(x -> request(x.id(), token)).toArray(byte[][]::new);
        run(api, one, clients, 5_000_000_000L); // warm-up
        run(api, spread, clients, 5_000_000_000L);
        measure(api, one, clients, "one session, every client");
        measure(api, spread, clients, "each request another of the " + String.format("%,d", SESSIONS) + " sessions");
        byte[][] health = {"GET /api/v0/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)};
        long[] ceiling = Arrays.stream(run(api, health, clients, 5_000_000_000L)).flatMapToLong(Arrays::stream).sorted()
                .toArray();
        System.out.printf("(for comparison, GET /api/v0/health, no token, no store: %,.0f requests/s, p99 %.2f ms)%n",
                ceiling.length / 5.0, ceiling[(int) (ceiling.length * 0.99)] / 1e6);
    }

    private static byte[] request(String id, String token) {
        return ("GET /api/v0/sessions/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void measure(ApiServer api, byte[][] requests, int clients, String what) throws Exception {
        double[] rates = new double[3];
        double[] p99 = new double[3];
        double[] p50 = new double[3];
        for (int r = 0; r < rates.length; r++) {
            long[][] lat = run(api, requests, clients, 10_000_000_000L);
            long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
            rates[r] = all.length / 10.0;
            p50[r] = all[all.length / 2] / 1e6;
            p99[r] = all[(int) (all.length * 0.99)] / 1e6;
            System.out.printf("(%s, round %d: %,.0f requests/s, p50 %.2f ms, p99 %.2f ms)%n", what, r + 1, rates[r], p50[r],
                    p99[r]);
        }
        System.out.printf("| GET /api/v0/sessions/{id}, 32 keep-alive clients, 10 s, %s | %,.0f requests/s (min %,.0f, "
                        + "max %,.0f); p99 %.1f ms (min %.1f, max %.1f); p50 %.2f ms | >= 5,000/s, p99 < 20 ms |%n", what,
                EngineBenchmarks.median(rates), EngineBenchmarks.min(rates), EngineBenchmarks.max(rates),
                EngineBenchmarks.median(p99), EngineBenchmarks.min(p99), EngineBenchmarks.max(p99), EngineBenchmarks.median(p50));
    }

    /**
     * Each client on its own connection sends a request, reads the whole answer, and the next (its
     * own walk through {@code requests}), for {@code nanos}.
     */
    private static long[][] run(ApiServer api, byte[][] requests, int clients, long nanos) throws Exception {
        long[][] out = new long[clients][];
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int c = 0; c < clients; c++) {
            int me = c;
            Thread t = new Thread(() -> {
                long[] lat = new long[1 << 20];
                int n = 0;
                int next = me * (requests.length / clients);
                try (Socket s = new Socket("127.0.0.1", api.port())) {
                    s.setTcpNoDelay(true);
                    OutputStream o = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
                    start.await();
                    long end = System.nanoTime() + nanos;
                    while (System.nanoTime() < end && n < lat.length) {
                        long t0 = System.nanoTime();
                        o.write(requests[next++ % requests.length]);
                        int status = readAnswer(in);
                        if (status != 200) {
                            throw new IllegalStateException("answered " + status);
                        }
                        lat[n++] = System.nanoTime() - t0;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                out[me] = Arrays.copyOf(lat, n);
            }, "client-" + c);
            threads.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return out;
    }

    /** Reads one HTTP/1.1 answer with a Content-Length body; returns its status. */
    private static int readAnswer(InputStream in) throws IOException {
        String status = line(in);
        int length = -1;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                length = Integer.parseInt(h.substring(colon + 1).strip());
            }
        }
        if (length < 0) {
            throw new IOException("no Content-Length in the answer: " + status);
        }
        in.readNBytes(length);
        return Integer.parseInt(status.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    // ---- (b) paging through 50,000 ------------------------------------------------------------------

    private static void page(ApiServer api, String token) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        pageAll(http, api, token); // warm-up
        double[] secs = new double[5];
        for (int r = 0; r < secs.length; r++) {
            long t0 = System.nanoTime();
            int[] got = pageAll(http, api, token);
            secs[r] = (System.nanoTime() - t0) / 1e9;
            System.out.printf("(round %d: %,d sessions in %d pages, %.2f s)%n", r + 1, got[0], got[1], secs[r]);
            if (got[0] != SESSIONS) {
                throw new IllegalStateException("paged " + got[0] + " sessions, not " + SESSIONS);
            }
        }
        System.out.printf("| paging through %,d sessions, limit=500 (100 pages, following continue) | median %.2f s "
                + "(min %.2f, max %.2f) | < 2 s |%n", SESSIONS, EngineBenchmarks.median(secs), EngineBenchmarks.min(secs),
                EngineBenchmarks.max(secs));
    }

    private static int[] pageAll(java.net.http.HttpClient http, ApiServer api, String token) throws Exception {
        int sessions = 0;
        int pages = 0;
        String cont = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        do {
            String url = api.url() + "/api/v0/sessions?limit=500" + (cont == null ? "" : "&continue=" + cont);
            var r = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            JsonNode page = Json.parse(r.body());
            for (JsonNode s : page.path("items")) {
                if (!seen.add(s.path("id").asText())) {
                    throw new IllegalStateException("session " + s.path("id").asText() + " listed twice");
                }
                sessions++;
            }
            pages++;
            cont = page.path("continue").isNull() ? null : page.path("continue").asText(null);
        } while (cont != null);
        return new int[] {sessions, pages};
    }

    // ---- (c) the watch stream -----------------------------------------------------------------------

    private static void watch(ApiServer api, String token, Engine engine, int writers, int perSecond) throws Exception {
        int subscribers = 10;
        int seconds = 30;
        List<Session> targets = engine.sessions(false).subList(0, 1000);
        // the newest version each subscriber saw of each session
        List<Map<String, Long>> seen = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        CountDownLatch open = new CountDownLatch(subscribers);
        AtomicLong events = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Map<String, Long> mine = new ConcurrentHashMap<>();
            seen.add(mine);
            Socket s = new Socket("127.0.0.1", api.port());
            sockets.add(s);
            s.getOutputStream().write(("GET /api/v0/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/x-ndjson\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                    boolean body = false;
                    for (String l = in.readLine(); l != null; l = in.readLine()) {
                        if (!body) {
                            if (l.isEmpty()) {
                                body = true;
                                open.countDown();
                            }
                            continue;
                        }
                        int brace = l.indexOf('{');
                        if (brace < 0) {
                            continue; // chunk sizes, keep-alives
                        }
                        JsonNode ev = Json.parse(l.substring(brace));
                        if (ev.path("event").asText().equals("change")) {
                            JsonNode d = ev.path("data");
                            mine.merge(d.path("id").asText(), d.path("version").asLong(), Math::max);
                            events.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            }, "watcher-" + i);
            readers.add(t);
            t.start();
        }
        open.await();
        // the changes come from several threads, as from the handlers of many sessions at once: each
        // writer owns its sessions and keeps its share of the pace
        Map<String, Long> written = new ConcurrentHashMap<>();
        AtomicLong made = new AtomicLong();
        AtomicLong writersCpu = new AtomicLong();
        Map<String, Long> cpu0 = CpuByThread.snapshot();
        Store.CommitStats commits0 = engine.commitStats();
        long t0 = System.nanoTime();
        List<Thread> writing = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int me = w;
            Thread t = new Thread(() -> {
                int mine = perSecond * seconds / writers;
                for (int i = 0; i < mine; i++) {
                    Session s = targets.get(me + writers * (i % (targets.size() / writers)));
                    Session after = engine.update(s.id(), new UpdateRequest(null, null, null, null,
                            Map.of("n", Integer.toString(i)), List.of()), null);
                    written.put(s.id(), after.version());
                    made.incrementAndGet();
                    long wait = t0 + (long) ((i + 1) * (1e9 * writers / perSecond)) - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                writersCpu.addAndGet(java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
            }, "writer-" + w);
            writing.add(t);
            t.start();
        }
        for (Thread t : writing) {
            t.join();
        }
        long changes = made.get();
        double took = (System.nanoTime() - t0) / 1e9;
        Store.CommitStats commits = engine.commitStats().since(commits0);
        long tx = commits.transactions();
        long txWrites = commits.writes();
        double busy = commits.busyNanos() / 1e9;
        String cpu = CpuByThread.since(cpu0, took, changes, Map.of("writer-N (making the changes, and committing them)", writersCpu.get()));
        // every subscriber must reach each session's last version (a newer version stands for the ones before it)
        long deadline = System.nanoTime() + 30_000_000_000L;
        int behind;
        do {
            behind = 0;
            for (Map<String, Long> mine : seen) {
                for (Map.Entry<String, Long> w : written.entrySet()) {
                    if (mine.getOrDefault(w.getKey(), -1L) < w.getValue()) {
                        behind++;
                    }
                }
            }
            if (behind > 0) {
                Thread.onSpinWait();
            }
        } while (behind > 0 && System.nanoTime() < deadline);
        long caughtUp = System.nanoTime();
        for (Socket s : sockets) {
            s.close();
        }
        System.out.printf("| watch: %,d changes from %d threads at %,.0f/s over %.1f s to %d subscribers | %,d change events delivered; "
                        + "%d (session, subscriber) pairs short of the last version (0 = none lost); all caught up %.2f s after "
                        + "the last write | 2,000/s to 10 for 30 s, none lost |%n", changes, writers, changes / took, took, subscribers,
                events.get(), behind, (caughtUp - t0) / 1e9 - took);
        System.out.println("(CPU while the writers ran, per change: " + cpu + ")");
        System.out.printf("(store: %,d transactions, %.1f writes each; committing busy %.0f%% of the time, %.0f µs a "
                + "transaction, %.0f µs a write)%n", tx, (double) txWrites / tx, 100 * busy / took, busy * 1e6 / tx,
                busy * 1e6 / txWrites);
    }
}
