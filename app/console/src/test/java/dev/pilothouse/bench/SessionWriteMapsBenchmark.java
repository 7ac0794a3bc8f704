package dev.pilothouse.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A design experiment for the session table's write rate, H2 alone (no engine, no console): a
 * transition (read the session, update it with a version check, add an audit row, 8 a commit) on
 * 50,000 sessions, with the store's settings, in four layouts. H2 runs an UPDATE as a removal and
 * an insertion of the row in every index, so what a transition costs follows the maps it touches:
 * <ul>
 *   <li>{@code shipped}: one wide {@code sessions} row, its primary map and seven indexes;</li>
 *   <li>{@code hot}: what every transition writes in a table of its own keyed by a number, with
 *       indexes on the change number and both deadlines; the rest in a row not written by transitions;</li>
 *   <li>{@code hot-seq}: the same with only the change number indexed (deadlines kept elsewhere);</li>
 *   <li>{@code hot-no-audit}: {@code hot} without the audit row, for the audit row's share.</li>
 * </ul>
 * {@code mvn -q test-compile exec:exec@bench -pl app/console -Dbench.main=dev.pilothouse.bench.SessionWriteMapsBenchmark -Dbench=all}
 */
public final class SessionWriteMapsBenchmark {
    private static final int SESSIONS = 50_000;
    private static final int CHANGES = 24_000;
    private static final int PER_COMMIT = 8;
    private static final String COLD = "name VARCHAR(63) NOT NULL, context VARCHAR(253) NOT NULL, namespace VARCHAR(63) NOT NULL, "
            + "starting_prompt VARCHAR(65536) NOT NULL, waiting_timeout_seconds INT NOT NULL, ttl_seconds BIGINT NOT NULL, "
            + "metadata VARCHAR(16384) NOT NULL, cpu VARCHAR(32), memory VARCHAR(32), storage VARCHAR(32), "
            + "parent_session_id VARCHAR(36), created_by VARCHAR(256) NOT NULL, created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL, "
            + "deleted_at TIMESTAMP(6) WITH TIME ZONE, purged_at TIMESTAMP(6) WITH TIME ZONE, guardrails VARCHAR(4096), "
            + "scheduled_at TIMESTAMP(6) WITH TIME ZONE, "
            + "live_name VARCHAR(63) GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN name END)";
    private static final String HOT = "state VARCHAR(8) NOT NULL, phase VARCHAR(16) NOT NULL, "
            + "updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL, last_activity_at TIMESTAMP(6) WITH TIME ZONE NOT NULL, "
            + "termination_reason VARCHAR(8192), owner VARCHAR(128), version BIGINT NOT NULL, seq BIGINT NOT NULL, "
            + "idle_deadline TIMESTAMP(6) WITH TIME ZONE, ttl_deadline TIMESTAMP(6) WITH TIME ZONE";
    private static final String COLD_VALUES = "'local', 'default', ?, 600, 86400, '{\"project\":\"bench\"}', '1', '1Gi', '10Gi', 'root', NOW()";
    private static final String HOT_VALUES = "'IDLE', 'PAUSED', NOW(), NOW(), 1, NEXT VALUE FOR change_seq, NOW() + INTERVAL '1' DAY";
    private static final String COLD_COLUMNS = "name, context, namespace, starting_prompt, waiting_timeout_seconds, ttl_seconds, "
            + "metadata, cpu, memory, storage, created_by, created_at";
    private static final String HOT_COLUMNS = "state, phase, updated_at, last_activity_at, version, seq, ttl_deadline";

    private SessionWriteMapsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 || args[0].isBlank() || args[0].equals("all") ? "shipped,hot,hot-seq,hot-no-audit" : args[0];
        System.out.println("| layout | maps written a transition | changes/s (two rounds of " + CHANGES + ") |");
        System.out.println("|---|---|---|");
        for (String layout : which.split(",")) {
            run(layout.trim());
        }
    }

    private static void run(String layout) throws Exception {
        boolean shipped = layout.equals("shipped");
        if (!List.of("shipped", "hot", "hot-seq", "hot-no-audit").contains(layout)) {
            throw new IllegalArgumentException("layout '" + layout + "'; accepted: shipped, hot, hot-seq, hot-no-audit, all");
        }
        Path dir = Files.createTempDirectory("pilothouse-write-maps");
        // the store's own settings (Store.SETTINGS, a 128 MB cache as on this machine's console)
        try (Connection c = DriverManager.getConnection("jdbc:h2:async:" + dir.resolve("db")
                + ";WRITE_DELAY=0;CACHE_SIZE=131072;LOCK_TIMEOUT=10000")) {
            List<String> ids = create(c, layout);
            PreparedStatement read = c.prepareStatement(shipped ? "SELECT state, version, 0 FROM sessions WHERE id = ?"
                    : "SELECT h.state, h.version, h.num FROM sessions s JOIN session_hot h ON h.num = s.num WHERE s.id = ?");
            PreparedStatement update = c.prepareStatement("UPDATE " + (shipped ? "sessions" : "session_hot")
                    + " SET (state, phase, updated_at, last_activity_at, idle_deadline, version, seq) = "
                    + "(?, ?, NOW(), NOW(), ?, version + 1, NEXT VALUE FOR change_seq) WHERE "
                    + (shipped ? "id" : "num") + " = ? AND version = ?");
            PreparedStatement audit = c.prepareStatement("INSERT INTO audit_events (session_id, at, actor, kind, from_state, "
                    + "to_state, reason) VALUES (?, NOW(), 'bench', 'transition', ?, ?, 'benchmark')");
            Random random = new Random(7);
            List<String> rates = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                for (int n = 1; n <= CHANGES; n++) {
                    String id = ids.get(random.nextInt(ids.size()));
                    read.setString(1, id);
                    String state;
                    long version;
                    long num;
                    try (ResultSet rs = read.executeQuery()) {
                        rs.next();
                        state = rs.getString(1);
                        version = rs.getLong(2);
                        num = rs.getLong(3);
                    }
                    String next = state.equals("IDLE") ? "READY" : "IDLE";
                    update.setString(1, next);
                    update.setString(2, next.equals("READY") ? "RUNNING" : "PAUSED");
                    update.setObject(3, next.equals("READY") ? OffsetDateTime.now().plusMinutes(10) : null);
                    if (shipped) {
                        update.setString(4, id);
                    } else {
                        update.setLong(4, num);
                    }
                    update.setLong(5, version);
                    if (update.executeUpdate() != 1) {
                        throw new IllegalStateException("version moved under a single writer");
                    }
                    if (!layout.equals("hot-no-audit")) {
                        audit.setString(1, id);
                        audit.setString(2, state);
                        audit.setString(3, next);
                        audit.executeUpdate();
                    }
                    if (n % PER_COMMIT == 0) {
                        c.commit();
                    }
                }
                c.commit();
                rates.add(String.format("%,.0f", CHANGES / ((System.nanoTime() - t0) / 1e9)));
            }
            String maps = switch (layout) {
                case "shipped" -> "8 + 2 (audit)";
                case "hot" -> "4 + 2 (audit)";
                case "hot-seq" -> "2 + 2 (audit)";
                default -> "4";
            };
            System.out.printf("| %s | %s | %s |%n", layout, maps, String.join(", ", rates));
        }
    }

    /** The layout's tables with {@link #SESSIONS} IDLE sessions; their ids. */
    private static List<String> create(Connection c, String layout) throws SQLException {
        boolean shipped = layout.equals("shipped");
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SEQUENCE change_seq");
            if (shipped) {
                st.execute("CREATE TABLE sessions (id VARCHAR(36) PRIMARY KEY, " + COLD + ", " + HOT + ")");
                for (String index : List.of("UNIQUE INDEX s_live ON sessions (context, live_name)", "INDEX s_seq ON sessions (seq)",
                        "INDEX s_parent ON sessions (parent_session_id)", "INDEX s_idle ON sessions (idle_deadline)",
                        "INDEX s_ttl ON sessions (ttl_deadline)", "INDEX s_scheduled ON sessions (scheduled_at)")) {
                    st.execute("CREATE " + index);
                }
            } else {
                st.execute("CREATE TABLE sessions (num BIGINT NOT NULL UNIQUE, id VARCHAR(36) PRIMARY KEY, " + COLD + ")");
                for (String index : List.of("UNIQUE INDEX s_live ON sessions (context, live_name)",
                        "INDEX s_parent ON sessions (parent_session_id)", "INDEX s_scheduled ON sessions (scheduled_at)")) {
                    st.execute("CREATE " + index);
                }
                st.execute("CREATE TABLE session_hot (num BIGINT PRIMARY KEY, " + HOT + ")");
                st.execute("CREATE INDEX h_seq ON session_hot (seq)");
                if (!layout.equals("hot-seq")) {
                    st.execute("CREATE INDEX h_idle ON session_hot (idle_deadline)");
                    st.execute("CREATE INDEX h_ttl ON session_hot (ttl_deadline)");
                }
            }
            st.execute("CREATE TABLE audit_events (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                    + "session_id VARCHAR(36) NOT NULL REFERENCES sessions (id), at TIMESTAMP(6) WITH TIME ZONE NOT NULL, "
                    + "actor VARCHAR(256) NOT NULL, kind VARCHAR(32) NOT NULL, from_state VARCHAR(8), to_state VARCHAR(8), "
                    + "reason VARCHAR(8192), detail VARCHAR(65536))");
            st.execute("CREATE INDEX audit_events_session ON audit_events (session_id, id)");
        }
        c.setAutoCommit(false);
        PreparedStatement whole = shipped ? c.prepareStatement("INSERT INTO sessions (id, " + COLD_COLUMNS + ", "
                + HOT_COLUMNS + ") VALUES (?, ?, " + COLD_VALUES + ", " + HOT_VALUES + ")") : null;
        PreparedStatement cold = shipped ? null : c.prepareStatement("INSERT INTO sessions (num, id, " + COLD_COLUMNS
                + ") VALUES (?, ?, ?, " + COLD_VALUES + ")");
        PreparedStatement hot = shipped ? null : c.prepareStatement("INSERT INTO session_hot (num, " + HOT_COLUMNS
                + ") VALUES (?, " + HOT_VALUES + ")");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            if (shipped) {
                whole.setString(1, id);
                whole.setString(2, "s-" + i);
                whole.setString(3, "$ echo session " + i);
                whole.executeUpdate();
            } else {
                cold.setLong(1, i);
                cold.setString(2, id);
                cold.setString(3, "s-" + i);
                cold.setString(4, "$ echo session " + i);
                cold.executeUpdate();
                hot.setLong(1, i);
                hot.executeUpdate();
            }
            if (i % 1000 == 999) {
                c.commit();
            }
        }
        c.commit();
        return ids;
    }
}
