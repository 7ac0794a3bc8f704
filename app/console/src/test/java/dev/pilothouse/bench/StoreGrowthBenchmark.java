package dev.pilothouse.bench;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/**
 * H2 alone with the store's durable-commit setting ({@code WRITE_DELAY=0}): one writer, each
 * transaction an UPDATE of a random row of 50,000 and an audit INSERT, committed. Prints, per round,
 * the commits a second, the file's size and H2's chunk count: how fast one durable transition can be
 * here, and how far the file grows before H2 reuses dead chunks ({@code RETENTION_TIME}).
 *
 * <p>{@code -Dbench=ROUNDS:COMMITS[:RETENTION_MS]}, e.g. {@code 12:5000} or {@code 10:5000:5000}.
 * {@code journal:ROUNDS:COMMITS} measures the other way to make a commit survive {@code kill -9}:
 * H2 writing in the background ({@code WRITE_DELAY=500}) and, per commit, the transaction's rows
 * appended to a file of one's own (one {@code write}, no fsync, as H2's own commits): the ceiling
 * of a journal in front of the store, before any replay logic.
 */
public final class StoreGrowthBenchmark {
    private StoreGrowthBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String given = args.length == 0 || args[0].equals("all") ? "12:5000" : args[0];
        boolean journal = given.startsWith("journal:");
        String[] a = (journal ? given.substring("journal:".length()) : given).split(":");
        int rounds = Integer.parseInt(a[0]);
        int perRound = Integer.parseInt(a[1]);
        String settings = (journal ? ";WRITE_DELAY=500" : ";WRITE_DELAY=0" + (a.length > 2 ? ";RETENTION_TIME=" + Integer.parseInt(a[2]) : ""))
                + System.getenv().getOrDefault("STORE_BENCH_H2", ""); // more settings to compare, e.g. ";PAGE_SIZE=1024"
        Path dir = Files.createTempDirectory("pilothouse-growth");
        // STORE_BENCH_FS=async: the file system the store runs on (Store.FILE_SYSTEM); H2's plain one by default
        String fs = System.getenv().getOrDefault("STORE_BENCH_FS", "file");
        try (Connection c = DriverManager.getConnection("jdbc:h2:" + fs + ":" + dir.resolve("db") + settings, "sa", "");
             FileChannel log = journal ? FileChannel.open(dir.resolve("journal"), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, StandardOpenOption.APPEND) : null) {
            setUp(c);
            System.out.printf("# store growth, %s:, %s%s, %d rounds of %d commits, %s%n", fs, settings.substring(1),
                    journal ? " and a journal" : "", rounds, perRound, dir);
            run(c, log, dir, rounds, perRound);
            // what the file keeps once closed: H2 compacts for MAX_COMPACT_TIME (200 ms by default) as it closes
            long t0 = System.nanoTime();
            c.close();
            System.out.printf("| closed | in %,d ms | file %,.1f MB |%n", (System.nanoTime() - t0) / 1_000_000,
                    Files.size(dir.resolve("db.mv.db")) / 1e6);
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
        }
    }

    private static void setUp(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE s(id INT PRIMARY KEY, v BIGINT, pad VARCHAR(200))");
            s.execute("CREATE TABLE audit(id BIGINT AUTO_INCREMENT PRIMARY KEY, sid INT, txt VARCHAR(200))");
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO s VALUES (?, 0, ?)")) {
            for (int i = 0; i < 50_000; i++) {
                ins.setInt(1, i);
                ins.setString(2, "x".repeat(150));
                ins.addBatch();
                if (i % 1000 == 999) {
                    ins.executeBatch();
                }
            }
        }
        c.setAutoCommit(false);
        c.commit();
    }

    private static void run(Connection c, FileChannel log, Path dir, int rounds, int perRound) throws Exception {
        ByteBuffer record = ByteBuffer.allocate(512);
        Random random = new Random(1);
        try (PreparedStatement up = c.prepareStatement("UPDATE s SET v = v + 1 WHERE id = ?");
             PreparedStatement audit = c.prepareStatement("INSERT INTO audit(sid, txt) VALUES (?, ?)");
             PreparedStatement chunks = c.prepareStatement(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'info.CHUNK_COUNT'")) {
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perRound; i++) {
                    int id = random.nextInt(50_000);
                    up.setInt(1, id);
                    up.executeUpdate();
                    audit.setInt(1, id);
                    String text = "transition of " + id + " from READY to BUSY: a message";
                    audit.setString(2, text);
                    audit.executeUpdate();
                    c.commit();
                    if (log != null) {
                        // what a journal would hold: the rows as written (here the row's key and the audit text)
                        record.clear();
                        record.putInt(id).putLong(round * (long) perRound + i).put(text.getBytes(StandardCharsets.UTF_8));
                        record.flip();
                        log.write(record);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                String count;
                try (ResultSet rs = chunks.executeQuery()) {
                    count = rs.next() ? rs.getString(1) : "?";
                }
                System.out.printf("| round %d | %,.0f commits/s | file %,.1f MB | %s chunks |%n", round, perRound / seconds,
                        Files.size(dir.resolve("db.mv.db")) / 1e6, count);
            }
        }
    }
}
