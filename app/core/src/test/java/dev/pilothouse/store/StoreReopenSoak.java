package dev.pilothouse.store;

import org.flywaydb.core.Flyway;
import org.h2.engine.Constants;
import org.h2.jdbcx.JdbcConnectionPool;
import org.h2.mvstore.MVStoreTool;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reproduction harness for issue 9 ("the store went back to an old state"): opens and closes the
 * H2 file the way a CLI command does, many times, and after every open checks that every write
 * ever committed is still there. Not a unit test: a {@code main}, run by hand (docs/store.md):
 *
 * <pre>
 * mvn -q -o test-compile
 * CP=target/test-classes:target/classes:$(mvn -q -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout)
 * java -cp $CP dev.pilothouse.store.StoreReopenSoak inproc /tmp/soak1 --iterations 2000
 * java -cp $CP dev.pilothouse.store.StoreReopenSoak procs  /tmp/soak2 --iterations 300
 * java -cp $CP dev.pilothouse.store.StoreReopenSoak mixed  /tmp/soak3 --iterations 300
 * </pre>
 *
 * Swap the h2 jar on the class path to try another H2 version; {@code --settings ';MAX_COMPACT_TIME=0'}
 * appends URL settings; {@code --base ''} drops AUTO_SERVER/AUTO_RECONNECT.
 *
 * <p>The workload is deterministic in the commit counter: transaction {@code t} (the counter's new
 * value, taken under the counter row's lock so transactions from several processes serialise)
 * inserts message {@code t} (0.5-6.5 KB), rewrites session row {@code t % 64}, and every fourth
 * one deletes message {@code t - 500}. So the whole expected content is a function of the counter,
 * and the highest counter any process saw commit is kept outside the database, in
 * {@code DIR/expected.seq} (max, under a file lock). After every open the harness reads every row
 * and compares: counter below expected.seq = lost writes; rows not matching the counter = damage.
 * On the first failure it keeps the file, the copy taken after the previous close, and
 * {@code MVStoreTool -info} of both, and exits 3.
 */
public final class StoreReopenSoak {
    static final String DEFAULT_BASE = ";AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE;LOCK_TIMEOUT=10000";
    static final int SESSION_ROWS = 64;
    static final int DELETE_LAG = 500;

    private final Path dir;
    private final Path db;
    private final String url;
    private final Random random;
    private final int maxWrites;
    private final boolean keepLast;
    boolean flywayOnce;
    boolean interrupt;
    int interruptedCloses;

    StoreReopenSoak(Path dir, String fs, String base, String settings, long seed, int maxWrites, boolean keepLast) {
        this.dir = dir.toAbsolutePath();
        this.db = this.dir.resolve("db");
        this.url = "jdbc:h2:" + fs + ":" + db.resolve("pilothouse") + base + settings;
        this.random = new Random(seed);
        this.maxWrites = maxWrites;
        this.keepLast = keepLast;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StoreReopenSoak inproc|procs|mixed|child|holder DIR [--iterations N] "
                    + "[--settings ';K=V'] [--base URLSUFFIX] [--fs file|async|retry] [--flyway-once] [--interrupt] [--writes MAX] [--seed N] [--hold-seconds S] [--no-keep]");
            System.exit(2);
        }
        String mode = args[0];
        Path dir = Path.of(args[1]);
        int iterations = 200;
        String settings = "";
        String base = DEFAULT_BASE;
        String fs = "file";
        long seed = System.nanoTime();
        int writes = 12;
        int holdSeconds = 20;
        boolean keep = true;
        boolean flywayOnce = false;
        boolean interrupt = false;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--settings" -> settings = args[++i];
                case "--base" -> base = args[++i];
                case "--fs" -> fs = args[++i];
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--writes" -> writes = Integer.parseInt(args[++i]);
                case "--hold-seconds" -> holdSeconds = Integer.parseInt(args[++i]);
                case "--no-keep" -> keep = false;
                case "--flyway-once" -> flywayOnce = true;
                case "--interrupt" -> interrupt = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(dir.resolve("db"));
        StoreReopenSoak soak = new StoreReopenSoak(dir, fs, base, settings, seed, writes, keep);
        soak.flywayOnce = flywayOnce;
        soak.interrupt = interrupt;
        List<String> passOn = new ArrayList<>(List.of("--fs", fs, "--settings", settings, "--base", base, "--writes",
                Integer.toString(writes)));
        if (!keep) {
            passOn.add("--no-keep");
        }
        if (flywayOnce) {
            passOn.add("--flyway-once");
        }
        if (interrupt) {
            passOn.add("--interrupt");
        }
        int code = switch (mode) {
            case "inproc" -> soak.inproc(iterations);
            case "procs" -> soak.procs(iterations, passOn);
            case "mixed" -> soak.mixed(iterations, holdSeconds, passOn);
            case "child" -> soak.command("child");
            case "holder" -> soak.hold(holdSeconds);
            case "crash" -> soak.crash(iterations, passOn);
            case "crashchild" -> soak.crashChild();
            default -> 2;
        };
        System.exit(code);
    }

    // ---- drivers ------------------------------------------------------------------------

    int inproc(int iterations) throws Exception {
        log("start inproc iterations=" + iterations + " url=" + url + " h2=" + Constants.FULL_VERSION);
        long t0 = System.nanoTime();
        for (int i = 1; i <= iterations; i++) {
            int code = command("inproc#" + i);
            if (code != 0) {
                return code;
            }
            if (i % 100 == 0) {
                progress(i, t0);
            }
        }
        progress(iterations, t0);
        log("PASS inproc " + iterations + " iterations");
        return 0;
    }

    int procs(int iterations, List<String> passOn) throws Exception {
        log("start procs iterations=" + iterations + " url=" + url + " h2=" + Constants.FULL_VERSION);
        long t0 = System.nanoTime();
        for (int i = 1; i <= iterations; i++) {
            Process p = spawn("child", passOn, "child" + i);
            int code = p.waitFor();
            if (code != 0) {
                log("child " + i + " exited " + code + " (see " + dir.resolve("child" + i + ".out") + ")");
                return code;
            }
            Files.deleteIfExists(dir.resolve("child" + i + ".out"));
            if (i % 25 == 0) {
                progress(i, t0);
            }
        }
        progress(iterations, t0);
        log("PASS procs " + iterations + " iterations");
        return 0;
    }

    /**
     * A long-lived holder (the console) keeps the database open, so it is the AUTO_SERVER server,
     * and writes now and then; short-lived children (CLI commands) connect, check, write and leave.
     * Holders live {@code holdSeconds} and exit; then a child opening the file becomes the server,
     * sometimes with another child still connected, until the next holder starts.
     */
    int mixed(int iterations, int holdSeconds, List<String> passOn) throws Exception {
        log("start mixed iterations=" + iterations + " hold=" + holdSeconds + "s url=" + url + " h2="
                + Constants.FULL_VERSION);
        long t0 = System.nanoTime();
        Process holder = null;
        int holders = 0;
        List<Process> running = new ArrayList<>();
        for (int i = 1; i <= iterations; i++) {
            if (holder != null && !holder.isAlive()) {
                if (holder.exitValue() != 0) {
                    log("holder exited " + holder.exitValue());
                    return holder.exitValue();
                }
                holder = null;
            }
            if (holder == null && random.nextInt(4) == 0) {
                holders++;
                List<String> args = new ArrayList<>(passOn);
                args.addAll(List.of("--hold-seconds", Integer.toString(holdSeconds)));
                holder = spawn("holder", args, "holder" + holders);
            }
            // one or two CLI commands at once
            running.add(spawn("child", passOn, "child" + i));
            if (random.nextInt(3) == 0) {
                running.add(spawn("child", passOn, "child" + i + "b"));
            }
            for (Process p : running) {
                int code = p.waitFor();
                if (code != 0) {
                    log("child of iteration " + i + " exited " + code);
                    if (holder != null) {
                        holder.destroy();
                    }
                    return code;
                }
            }
            running.clear();
            if (i % 25 == 0) {
                progress(i, t0);
            }
        }
        if (holder != null) {
            holder.waitFor();
        }
        // a last check, alone
        int code = command("final");
        progress(iterations, t0);
        log((code == 0 ? "PASS" : "FAIL") + " mixed " + iterations + " iterations, " + holders + " holders");
        return code;
    }

    /**
     * kill -9 right after commits returned: how many commits H2 (WRITE_DELAY, default 500 ms) had
     * not yet written to the file. The store's sidecar must not count them as lost writes.
     */
    int crash(int iterations, List<String> passOn) throws Exception {
        log("start crash iterations=" + iterations + " url=" + url + " h2=" + Constants.FULL_VERSION);
        int lostRuns = 0;
        long lostCommits = 0;
        for (int i = 1; i <= iterations; i++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), StoreReopenSoak.class.getName(),
                    "crashchild", dir.toString(), "--seed", Long.toString(random.nextLong())));
            cmd.addAll(passOn);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String line;
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                while ((line = r.readLine()) != null && !line.startsWith("COMMITTED")) {
                    // skip
                }
                p.destroyForcibly().waitFor();
            }
            long expected = readExpected();
            JdbcConnectionPool pool = open();
            long counter;
            try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT c FROM soak_counter WHERE id = 0")) {
                rs.next();
                counter = rs.getLong(1);
            } finally {
                pool.dispose();
            }
            if (counter < expected) {
                lostRuns++;
                lostCommits += expected - counter;
                log("crash " + i + ": killed right after commit " + expected + "; the file holds commit " + counter);
                // the harness accepts H2's loss, so the next round starts from what is there
                synchronized (JVM_LOCK) {
                    Files.writeString(dir.resolve("expected.seq"), Long.toString(counter));
                }
            }
        }
        log("crash: " + lostRuns + " of " + iterations + " kill -9 right after commit lost commits (" + lostCommits
                + " in all)");
        return 0;
    }

    int crashChild() throws Exception {
        JdbcConnectionPool pool = open();
        String problem = verify(pool);
        if (problem != null) {
            return fail("crashchild", problem, pool);
        }
        long t = 0;
        int n = 1 + random.nextInt(maxWrites);
        for (int w = 0; w < n; w++) {
            t = commit(pool);
        }
        System.out.println("COMMITTED " + t);
        System.out.flush();
        LockSupport.park();
        return 0;
    }

    private Process spawn(String mode, List<String> passOn, String name) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                StoreReopenSoak.class.getName(), mode, dir.toString(), "--seed", Long.toString(random.nextLong())));
        cmd.addAll(passOn);
        Path out = dir.resolve(name + ".out");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    // ---- one command: open, check, write, close -----------------------------------------

    /** What a CLI command does to the store: open, check everything, a few transactions, close. */
    int command(String who) throws Exception {
        JdbcConnectionPool pool;
        long t0 = System.nanoTime();
        long tOpen;
        long tVerify;
        long tWrite;
        Thread worker = null;
        try {
            pool = open();
            tOpen = System.nanoTime();
        } catch (RuntimeException e) {
            return fail(who, "OPEN FAILED: " + Store.rootMessage(e), null);
        }
        try {
            String problem = verify(pool);
            tVerify = System.nanoTime();
            if (problem != null) {
                return fail(who, problem, pool);
            }
            worker = interrupt ? startWorker(pool) : null;
            int n = 1 + random.nextInt(maxWrites);
            for (int w = 0; w < n; w++) {
                commit(pool);
            }
            tWrite = System.nanoTime();
            if (worker != null) {
                // what Engine.close does to its reaction and timer threads: shutdownNow(), then close the store
                worker.interrupt();
            }
        } finally {
            try {
                pool.dispose();
            } catch (RuntimeException e) {
                log(who + ": close failed: " + Store.rootMessage(e));
            }
            if (worker != null) {
                // in a CLI command the JVM exits here; in-process, the next command must not overlap it
                worker.join();
            }
        }
        long tClose = System.nanoTime();
        keepClosedCopy();
        if (Boolean.getBoolean("soak.timing")) {
            log(String.format(Locale.ROOT, "%s open %d ms, verify %d ms, write %d ms, close %d ms", who,
                    (tOpen - t0) / 1_000_000, (tVerify - tOpen) / 1_000_000, (tWrite - tVerify) / 1_000_000,
                    (tClose - tWrite) / 1_000_000));
        }
        return 0;
    }

    /** A reaction thread: reads and writes until interrupted, like the engine's executors. */
    private Thread startWorker(JdbcConnectionPool pool) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    commit(pool);
                    try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT SUM(LENGTH(body)) FROM soak_msg")) {
                        rs.next();
                    }
                } catch (Exception | Error e) {
                    interruptedCloses++;
                    return;
                }
            }
        }, "soak-reaction");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The console: holds the database open for a while, writing and checking now and then. */
    int hold(int seconds) throws Exception {
        JdbcConnectionPool pool = open();
        try (Connection keep = pool.getConnection()) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            int round = 0;
            while (System.nanoTime() < end) {
                commit(pool);
                if (++round % 10 == 0) {
                    String problem = verify(pool);
                    if (problem != null) {
                        return fail("holder", problem, pool);
                    }
                }
                // pacing of a console that writes a few times a second; a harness, not a test
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(300)));
            }
        } finally {
            pool.dispose();
        }
        return 0;
    }

    JdbcConnectionPool open() {
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "pilothouse", "");
        pool.setMaxConnections(32);
        Path migrated = dir.resolve("flyway.done");
        if (!flywayOnce || !Files.exists(migrated)) {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
            try {
                Files.writeString(migrated, "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        withRetry(pool, c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS soak_counter (id INT PRIMARY KEY, c BIGINT NOT NULL)");
                s.execute("MERGE INTO soak_counter KEY (id) SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM soak_counter)");
                s.execute("CREATE TABLE IF NOT EXISTS soak_msg (id BIGINT PRIMARY KEY, body VARCHAR(100000) NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS soak_sess (k INT PRIMARY KEY, t BIGINT NOT NULL, "
                        + "body VARCHAR(10000) NOT NULL)");
            }
            return null;
        });
        return pool;
    }

    /** One transaction; returns its counter value once committed and records it in expected.seq. */
    long commit(JdbcConnectionPool pool) throws IOException {
        long t = withRetry(pool, c -> {
            c.setAutoCommit(false);
            try {
                long next;
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE soak_counter SET c = c + 1 WHERE id = 0");
                    try (ResultSet rs = s.executeQuery("SELECT c FROM soak_counter WHERE id = 0")) {
                        rs.next();
                        next = rs.getLong(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO soak_msg (id, body) VALUES (?, ?)")) {
                    ps.setLong(1, next);
                    ps.setString(2, body(next, msgSize(next)));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("MERGE INTO soak_sess (k, t, body) KEY (k) VALUES (?, ?, ?)")) {
                    ps.setInt(1, (int) (next % SESSION_ROWS));
                    ps.setLong(2, next);
                    ps.setString(3, body(next, 300));
                    ps.executeUpdate();
                }
                if (next % 4 == 0 && next > DELETE_LAG) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM soak_msg WHERE id = ?")) {
                        ps.setLong(1, next - DELETE_LAG);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return next;
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the retry reconnects
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // as above
                }
            }
        });
        recordExpected(t);
        return t;
    }

    /** Null if the database holds exactly the state of its counter, and the counter is not behind expected.seq. */
    String verify(JdbcConnectionPool pool) throws IOException {
        long expected = readExpected();
        return withRetry(pool, c -> {
            long counter;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT c FROM soak_counter WHERE id = 0")) {
                if (!rs.next()) {
                    return "counter row missing (expected.seq " + expected + ")";
                }
                counter = rs.getLong(1);
            }
            if (counter < expected) {
                long present;
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(id) FROM soak_msg")) {
                    rs.next();
                    present = rs.getLong(1);
                }
                return "LOST WRITES: counter " + counter + " < expected.seq " + expected + " (" + (expected - counter)
                        + " committed transactions missing; newest message row " + present + ")";
            }
            TreeSet<Long> ids = expectedMessages(counter);
            long rows = 0;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, body FROM soak_msg ORDER BY id")) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    rows++;
                    if (!ids.remove(id)) {
                        return "DAMAGE: unexpected message row " + id + " at counter " + counter;
                    }
                    if (!rs.getString(2).equals(body(id, msgSize(id)))) {
                        return "DAMAGE: message row " + id + " has wrong content at counter " + counter;
                    }
                }
            }
            if (!ids.isEmpty()) {
                return "DAMAGE: " + ids.size() + " message rows missing at counter " + counter + " (first " + ids.first()
                        + ", last " + ids.last() + "; " + rows + " present)";
            }
            TreeMap<Integer, Long> sess = new TreeMap<>();
            for (long t = Math.max(1, counter - SESSION_ROWS + 1); t <= counter; t++) {
                sess.put((int) (t % SESSION_ROWS), t);
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT k, t, body FROM soak_sess")) {
                while (rs.next()) {
                    Long want = sess.remove(rs.getInt(1));
                    if (want == null || want != rs.getLong(2) || !rs.getString(3).equals(body(want, 300))) {
                        return "DAMAGE: session row " + rs.getInt(1) + " holds t=" + rs.getLong(2) + ", expected " + want
                                + " at counter " + counter;
                    }
                }
            }
            if (!sess.isEmpty()) {
                return "DAMAGE: session rows missing " + sess.keySet() + " at counter " + counter;
            }
            return null;
        });
    }

    static TreeSet<Long> expectedMessages(long counter) {
        TreeSet<Long> ids = new TreeSet<>();
        for (long t = 1; t <= counter; t++) {
            ids.add(t);
        }
        for (long t = DELETE_LAG + 1; t <= counter; t++) {
            if (t % 4 == 0) {
                ids.remove(t - DELETE_LAG);
            }
        }
        return ids;
    }

    static int msgSize(long t) {
        return 500 + (int) Math.floorMod(t * 2654435761L, 6000L);
    }

    /** Deterministic, poorly compressible text for row {@code t}. */
    static String body(long t, int size) {
        StringBuilder b = new StringBuilder(size);
        long x = t * 0x9E3779B97F4A7C15L + 1;
        while (b.length() < size) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.append(Long.toString(x & Long.MAX_VALUE, 36));
        }
        b.setLength(size);
        return b.toString();
    }

    // ---- expected.seq, evidence ---------------------------------------------------------

    private static final Object JVM_LOCK = new Object();

    private void recordExpected(long t) throws IOException {
        synchronized (JVM_LOCK) {
            recordExpectedLocked(t);
        }
    }

    private void recordExpectedLocked(long t) throws IOException {
        Path f = dir.resolve("expected.seq");
        try (FileChannel ch = FileChannel.open(dir.resolve("expected.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            long now = Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
            if (t > now) {
                Path tmp = dir.resolve("expected.seq.tmp");
                Files.writeString(tmp, Long.toString(t));
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private long readExpected() throws IOException {
        synchronized (JVM_LOCK) {
            return readExpectedLocked();
        }
    }

    private long readExpectedLocked() throws IOException {
        Path f = dir.resolve("expected.seq");
        try (FileChannel ch = FileChannel.open(dir.resolve("expected.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
        }
    }

    /** After a clean close by the last user, the file as that close left it: evidence if the next open fails. */
    private void keepClosedCopy() throws IOException {
        if (!keepLast) {
            return;
        }
        synchronized (JVM_LOCK) {
            keepClosedCopyLocked();
        }
    }

    private void keepClosedCopyLocked() throws IOException {
        Path file = db.resolve("pilothouse.mv.db");
        try (FileChannel ch = FileChannel.open(dir.resolve("expected.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            if (Files.exists(file) && !Files.exists(db.resolve("pilothouse.lock.db"))) {
                Path tmp = dir.resolve("last-closed.mv.db.tmp");
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dir.resolve("last-closed.mv.db"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(dir.resolve("last-closed.seq"), Long.toString(readExpectedUnlocked()));
            }
        }
    }

    private long readExpectedUnlocked() throws IOException {
        Path f = dir.resolve("expected.seq");
        return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
    }

    private int fail(String who, String problem, JdbcConnectionPool pool) throws IOException {
        log("FAIL " + who + ": " + problem);
        if (pool != null) {
            pool.dispose();
        }
        Path evidence = dir.resolve("evidence-" + System.currentTimeMillis());
        Files.createDirectories(evidence);
        Path file = db.resolve("pilothouse.mv.db");
        Files.copy(file, evidence.resolve("after-open.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(evidence.resolve("after-open.info.txt"), info(file));
        Path last = dir.resolve("last-closed.mv.db");
        if (Files.exists(last)) {
            Files.copy(last, evidence.resolve("last-closed.mv.db"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(evidence.resolve("last-closed.info.txt"), info(last));
        }
        Files.writeString(evidence.resolve("problem.txt"), problem + "\n");
        log("evidence in " + evidence);
        return 3;
    }

    static String info(Path file) {
        StringWriter w = new StringWriter();
        try {
            MVStoreTool.info(file.toString(), w);
        } catch (RuntimeException e) {
            w.write("MVStoreTool.info failed: " + e + "\n");
        }
        return w.toString();
    }

    private void progress(int i, long t0) throws IOException {
        Path file = db.resolve("pilothouse.mv.db");
        long size = Files.exists(file) ? Files.size(file) : 0;
        log(String.format(Locale.ROOT, "iteration %d: expected.seq %d, file %.1f MB, %.0f s", i, readExpected(),
                size / 1e6, (System.nanoTime() - t0) / 1e9));
    }

    private void log(String line) {
        String l = Instant.now() + " [" + ProcessHandle.current().pid() + "] " + line;
        System.out.println(l);
        try {
            Files.writeString(dir.resolve("soak.log"), l + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- JDBC with the store's retry on a lost connection -------------------------------

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withRetry(JdbcConnectionPool pool, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                boolean lost = e.getErrorCode() == 90067 || e.getErrorCode() == 90098 || e.getErrorCode() == 90121
                        || e.getErrorCode() == 90028 || String.valueOf(e.getSQLState()).startsWith("08");
                if (!lost || attempt >= 5) {
                    StringWriter w = new StringWriter();
                    e.printStackTrace(new PrintWriter(w));
                    throw new IllegalStateException("SQL failed (attempt " + attempt + "): " + w, e);
                }
            }
        }
    }
}
