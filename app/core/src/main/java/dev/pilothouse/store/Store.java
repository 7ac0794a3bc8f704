package dev.pilothouse.store;

import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The metadata store: an H2 file database in the data dir, schema by Flyway, opened by one
 * process at a time.
 *
 * <p>Every write transaction also adds one to the commit sequence in the database, and the store
 * records the newest sequence in {@code store.seq} next to the file ({@link SeqFile}). Before the
 * database is opened for writing it is opened read-only and checked: a file H2 cannot read, a
 * file without the store's tables, or one holding fewer commits than store.seq says were made, is
 * refused with a message naming the newest backup and the command that restores it, and is left
 * exactly as it was. Backups are taken online, verified and rotated ({@link Backup}). See
 * docs/store.md, which also has what issue 9's lost writes were.
 */
public final class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);
    /** The database file in the data dir. */
    public static final String FILE = "pilothouse.mv.db";
    static final String BASE = "pilothouse";
    static final String OWNER = "store.pid";
    /**
     * H2 settings. No AUTO_SERVER: one process opens the file (the engine), others go through it.
     * The file system prefix and settings are chosen in docs/store.md ("What we run").
     */
    static final String FILE_SYSTEM = "async";
    /**
     * WRITE_DELAY=0: a commit is in the file before the engine answers (H2's default 500 ms delay
     * lost every commit of a process killed inside it: 0 of 20 rows survived kill -9, 20 of 20 with it).
     * DB_CLOSE_ON_EXIT=FALSE: the engine closes the store itself, from its own shutdown hook (serve on
     * SIGTERM); H2's hook closed the database first, so the engine's last writes failed with a trace.
     * TRACE_LEVEL_FILE=4: H2's own errors go to the app log (logger "h2database"). Its trace file
     * leaked one open descriptor per failed open, so under a long full disk the process ran out of
     * descriptors and the space of deleted files never came back (StoreReopenTest).
     * QUERY_CACHE_SIZE=64: each connection keeps this many parsed statements (H2's default: 8). A
     * change alone runs more than eight (its read, its writes, the commit counter, the change feed's),
     * so with eight H2 parsed SQL again on every change: ~6 % of the writers' time.
     */
    static final String SETTINGS = ";LOCK_TIMEOUT=10000;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=4"
            + ";QUERY_CACHE_SIZE=64";
    /**
     * H2's page cache (CACHE_SIZE, in KB): an eighth of the heap, from H2's default of 16 MB up to
     * 128 MB. A commit rewrites every page it touched, and pages evicted from the cache are read
     * back and parsed first: with 50,000 sessions the default held too little of the store, and
     * the table benchmark's writes committed ~800/s against ~1,100/s with 128 MB (docs/performance.md).
     */
    static final int CACHE_KB = cacheKb(Runtime.getRuntime().maxMemory());

    static int cacheKb(long maxHeapBytes) {
        return (int) Math.max(16 * 1024, Math.min(128 * 1024, maxHeapBytes / 8 / 1024));
    }

    /** A valid store file is at least its two header blocks. */
    static final long MIN_FILE_SIZE = 8192;
    static final List<String> TABLES = List.of("AGENTS", "SESSIONS", "SESSION_AGENTS", "MESSAGES", "AUDIT_EVENTS");
    private static final String NEXT_COMMIT =
            "SELECT seq FROM FINAL TABLE (UPDATE store_commit SET seq = seq + 1 WHERE id = 0)";

    /** Data dirs whose store is open in this process. */
    private static final java.util.Set<Path> OPEN_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path dataDir;
    private final StoreOptions options;
    /** Replaced when H2 has closed the database under the engine (a failed write): see {@link #reopen}. */
    private volatile StorePool pool;
    private final Jdbi jdbi;
    private final GroupCommit writes;
    private final SeqFile seqFile;
    private final ScheduledExecutorService maintenance;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean backupQueued = new AtomicBoolean();
    private final AtomicLong commitsSinceBackup = new AtomicLong();
    private final Object backupLock = new Object();
    private volatile Optional<Backup> newestBackup;

    private Store(Path dataDir, StoreOptions options, StorePool pool, SeqFile seqFile) {
        this.dataDir = dataDir;
        this.options = options;
        this.pool = pool;
        this.jdbi = Jdbi.create(this::connect);
        this.writes = new GroupCommit(body -> translated(() -> jdbi.inTransaction(h -> {
            body.accept(h);
            return null;
        })), Store::nextCommit, Store::translate, this::committed);
        this.seqFile = seqFile;
        this.newestBackup = Backup.list(dataDir).stream().findFirst();
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-maintenance");
            t.setDaemon(true);
            return t;
        });
    }

    public static Store open(Path dataDir) {
        return open(dataDir, StoreOptions.defaults());
    }

    /**
     * Opens the store in {@code dataDir}, creating it if the data dir has none; refuses (with an
     * {@link OperationFailedException} saying what is wrong and how to restore) a damaged file or
     * one that lost committed writes.
     */
    public static Store open(Path dataDir, StoreOptions options) {
        Path dir = dataDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OperationFailedException("cannot create data dir " + dir + ": " + e.getMessage(), e);
        }
        boolean exists = Files.exists(dir.resolve(FILE));
        SeqFile.Read recorded = SeqFile.read(dir);
        if (recorded.problem() != null) {
            log.warn("{}; the store's commit count is taken from the database and recorded again", recorded.problem());
        }
        Inspection found = exists ? Inspection.of(dir) : null;
        String refusal = refusal(dir, exists, found, recorded);
        if (refusal != null) {
            throw new OperationFailedException(refusalMessage(dir, refusal));
        }
        if (found != null && recorded.state() != null && found.seq() < recorded.state().seq()) {
            log.warn("the last process using {} ended without closing the store: its last {} commit(s) had not been "
                    + "written to the file yet (H2 writes commits within 0.5 s) and are gone; the store has commit {}",
                    dir, recorded.state().seq() - found.seq(), found.seq());
        }

        StorePool pool = newPool(dir, exists ? ";IFEXISTS=TRUE" : "");
        SeqFile seqFile;
        try {
            migrate(pool);
            long seq;
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq FROM store_commit WHERE id = 0")) {
                rs.next();
                seq = rs.getLong(1);
            }
            seqFile = SeqFile.open(dir, seq);
        } catch (RuntimeException | SQLException | IOException e) {
            abandon(pool);
            if (Inspection.inUse(e)) {
                throw new OperationFailedException(inUseMessage(dir), e);
            }
            throw new OperationFailedException("cannot open the store in " + dir + ": " + rootMessage(e), e);
        }
        Owner.write(dir);
        OPEN_HERE.add(dir);
        Store store = new Store(dir, options, pool, seqFile);
        store.start();
        return store;
    }

    /**
     * The newest schema version this build has: the highest {@code db/migration/V<N>__*.sql}
     * ({@code MigrationsTest} keeps the two equal).
     */
    static final int SCHEMA_VERSION = 17;

    /**
     * Brings the schema up to this build's. A store already there (every migration of this build
     * applied, and nothing newer) is told by one query; only otherwise does Flyway run, which looks
     * through the class path for migrations and validates every one applied (~0.7 s, most of
     * opening the engine: docs/performance.md). An older store is migrated as before; a newer one
     * is left to Flyway to refuse.
     */
    static void migrate(javax.sql.DataSource pool) throws SQLException {
        if (schemaIsCurrent(pool)) {
            return;
        }
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    }

    static boolean schemaIsCurrent(javax.sql.DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            String history;
            try (ResultSet t = s.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                    + "WHERE TABLE_SCHEMA = 'PUBLIC' AND UPPER(TABLE_NAME) = 'FLYWAY_SCHEMA_HISTORY'")) {
                if (!t.next()) {
                    return false;
                }
                history = t.getString(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + history + "\"")) {
                int version = rs.findColumn("version");
                int success = rs.findColumn("success");
                java.util.Set<Integer> applied = new java.util.HashSet<>();
                while (rs.next()) {
                    String text = rs.getString(version);
                    if (text == null) {
                        continue; // a repeatable migration or the schema marker: no version
                    }
                    int v;
                    try {
                        v = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        return false; // not a version this build writes: let Flyway judge it
                    }
                    if (!rs.getBoolean(success) || v < 1 || v > SCHEMA_VERSION) {
                        return false;
                    }
                    applied.add(v);
                }
                return applied.size() == SCHEMA_VERSION;
            }
        }
    }

    /** Why the store must not be opened, or null. */
    private static String refusal(Path dir, boolean exists, Inspection found, SeqFile.Read recorded) {
        long floor = recorded.state() == null ? 0 : recorded.state().floor();
        long seq = recorded.state() == null ? 0 : recorded.state().seq();
        if (!exists) {
            return seq > 0 ? "its database file " + dir.resolve(FILE) + " is missing, but " + SeqFile.NAME
                    + " records " + seq + " committed write(s)" : null;
        }
        if (found.inUse()) {
            throw new OperationFailedException(inUseMessage(dir));
        }
        if (found.problem() != null) {
            return "its database file " + dir.resolve(FILE) + " is damaged: " + found.problem();
        }
        if (!found.hasSchema() && recorded.state() != null) {
            return "its database file " + dir.resolve(FILE) + " holds none of the store's tables (an empty, truncated "
                    + "or replaced file), but " + SeqFile.NAME + " records " + seq + " committed write(s)";
        }
        if (found.seq() < floor) {
            return "it lost committed writes: the database file holds commit " + found.seq() + " but " + SeqFile.NAME
                    + " records commit " + floor + " (" + (floor - found.seq()) + " committed write(s) missing; the "
                    + "file went back to an older state)";
        }
        return null;
    }

    static String refusalMessage(Path dir, String what) {
        StringBuilder b = new StringBuilder("the store in " + dir + " was not opened: " + what
                + ". Nothing was changed.");
        Optional<Backup> newest = Backup.list(dir).stream().findFirst();
        if (newest.isPresent()) {
            Backup n = newest.get();
            b.append(" Restore the newest backup, ").append(n.file().getFileName()).append(" (commit ").append(n.seq())
                    .append(", taken ").append(n.time()).append("), with: pilothouse store restore --data-dir ")
                    .append(quote(dir)).append(' ').append(quote(n.file()))
                    .append(" (the current file is kept, renamed ").append(FILE).append(".damaged-<time>).");
        } else {
            b.append(" There is no backup in ").append(dir.resolve(Backup.DIR)).append(".");
        }
        b.append(" `pilothouse store check --data-dir ").append(quote(dir)).append("` shows what is there");
        if (what.startsWith("it lost")) {
            b.append("; `pilothouse store accept --data-dir ").append(quote(dir))
                    .append(" --yes` keeps the database as it is instead");
        }
        return b.append('.').toString();
    }

    static String quote(Path p) {
        String s = p.toString();
        return s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    static String inUseMessage(Path dir) {
        return "the data dir " + dir + " is in use by " + Owner.describe(dir)
                + "; close the console / stop the engine (`pilothouse engine stop`) first";
    }

    private static StorePool newPool(Path dir, String extra) {
        return new StorePool(url(dir, extra), "pilothouse", "", 32);
    }

    static String url(Path dir, String extra) {
        return "jdbc:h2:" + FILE_SYSTEM + ":" + dir.resolve(BASE) + SETTINGS + ";CACHE_SIZE=" + CACHE_KB + extra;
    }

    private void start() {
        long ms = options.checkpointInterval().toMillis();
        maintenance.scheduleWithFixedDelay(this::checkpointQuietly, ms, ms, TimeUnit.MILLISECONDS);
        if (options.automaticBackups()) {
            maintenance.scheduleWithFixedDelay(this::backupIfDue, 0, 1, TimeUnit.MINUTES);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The newest commit this store wrote or found; 0 for a store never written to. */
    public long commitSeq() {
        return seqFile.seq();
    }

    /**
     * Runs {@code work} in one transaction: all of it commits, or none of it. The commit number is
     * taken first: its row stays locked to the commit, so writes run one at a time and the change
     * numbers they take ({@code sessions.seq}) become visible in number order. A reader that saw
     * change N has seen every change below it, and a watch needs no look-back. Writes that wait
     * for another are committed together ({@link GroupCommit}); each still commits or fails alone.
     */
    public <T> T write(Function<StoreTx, T> work) {
        return writes.write(work);
    }

    GroupCommit groupCommit() {
        return writes;
    }

    /** What the writes since the store opened cost the thread that committed them. */
    public record CommitStats(long transactions, long writes, long busyNanos) {
        /** What was committed between {@code earlier} and these figures. */
        public CommitStats since(CommitStats earlier) {
            return new CommitStats(transactions - earlier.transactions, writes - earlier.writes, busyNanos - earlier.busyNanos);
        }
    }

    public CommitStats commitStats() {
        long[] c = writes.counts();
        return new CommitStats(c[0], c[1], c[2]);
    }

    /**
     * Runs read-only {@code work} on one connection. A store error is tried once more: H2 hands a
     * write that failed in its background writer (a full disk) to the next statement of any
     * session, so a read after space came back could fail with that old "No space left on
     * device" (StoreReopenTest, 1 trial in ~200); the read commits nothing, and the error is gone
     * once reported.
     */
    public <T> T read(Function<StoreTx, T> work) {
        java.util.function.Supplier<T> once = () -> jdbi.withHandle(h -> {
            T r = work.apply(new StoreTx(h));
            endRead(h);
            return r;
        });
        try {
            return translated(once);
        } catch (OperationFailedException e) {
            if (!(e.getCause() instanceof JdbiException)) {
                throw e;
            }
            log.debug("read failed, trying it once more: {}", e.getMessage());
            return translated(once);
        }
    }

    /**
     * Ends the read's transaction with a commit (it changed nothing, so H2 writes nothing). Left
     * open, it was rolled back when the pool next handed out the connection, and H2 ends every
     * rollback, even of a read, by writing the store's pending changes under its store lock: each
     * read waited on, or did, the write of a chunk for another thread's commit (the watch stream's
     * reads spent 69 % of their time so, and writers reached only ~530 changes/s).
     */
    private static void endRead(Handle h) {
        try {
            if (!h.getConnection().getAutoCommit()) {
                // a read inside a write on this thread shares the write's handle (Jdbi reuses it):
                // committing here would commit part of that write
                return;
            }
            h.getConnection().commit();
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    private static long nextCommit(Handle h) {
        try (PreparedStatement ps = h.getConnection().prepareStatement(NEXT_COMMIT); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the store_commit row is missing");
            }
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    private void committed(long seq) {
        try {
            seqFile.committed(seq);
        } catch (IOException e) {
            // the commit stands; only its record is missing, which can never refuse an open
            log.warn("cannot record commit {} in {}: {}", seq, seqFile.file(), e.toString());
        }
        if (options.automaticBackups() && commitsSinceBackup.incrementAndGet() >= options.backupEveryCommits()
                && age(newestBackup).compareTo(options.backupMinSpacing()) >= 0) {
            queueBackup();
        }
    }

    private <T> T translated(java.util.function.Supplier<T> work) {
        long deadline = System.nanoTime() + HANDOVER_WAIT.toNanos();
        while (true) {
            StorePool used = pool;
            try {
                return work.get();
            } catch (JdbiException e) {
                if (e.getCause() instanceof PilothouseException) {
                    throw translate(e);
                }
                // work that found the database closed committed nothing: it runs again on the reopened
                // one, also when another thread's reopen got there first (and closed it once more, on a
                // full disk)
                if (!databaseClosed(e) || System.nanoTime() > deadline || !reopen(used)) {
                    throw translate(e);
                }
            }
        }
    }

    /** What a caller is told of a failed store call: the engine's own error inside it, or H2's reason. */
    static RuntimeException translate(JdbiException e) {
        return e.getCause() instanceof PilothouseException pe ? pe
                : new OperationFailedException("store error: " + rootMessage(e), e);
    }

    /**
     * How long a store call waits for H2 to finish closing or opening the file on another thread
     * of this process; H2 itself gives a closing database a minute.
     */
    static final Duration HANDOVER_WAIT = Duration.ofSeconds(10);

    /**
     * A connection to the store's current database. After a failed write (a full disk) H2 closes
     * the database on one thread while others open it again; until the closing thread has let go of
     * the file, an open fails with the file "locked" by this very process, and a pool that
     * {@link #reopen} replaced meanwhile is disposed. Both are waited out, not reported: with four
     * readers after a full disk was freed, 5 of 15 trials failed a read with the first and 10 of 30
     * with the second before this (and 3 of 30 with a database H2 was shutting down), none after.
     */
    private Connection connect() throws SQLException {
        long deadline = System.nanoTime() + HANDOVER_WAIT.toNanos();
        for (int attempt = 0; ; attempt++) {
            StorePool p = pool;
            try {
                return p.getConnection();
            } catch (IllegalStateException disposed) {
                if (p == pool) {
                    throw disposed;
                }
                // reopened on another thread after this one read the field: its pool is the one to use
            } catch (SQLException e) {
                if (!handingOver(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(Math.min(50, 1L << Math.min(attempt, 6)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Whether another thread of this process is still closing the database: the file is locked by
     * this very process, or H2 is shutting it down (SHUTDOWN takes the database exclusively, and
     * the engine never does otherwise).
     */
    static boolean handingOver(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.nio.channels.OverlappingFileLockException || t instanceof SQLException q
                    && q.getErrorCode() == org.h2.api.ErrorCode.DATABASE_IS_IN_EXCLUSIVE_MODE) {
                return true;
            }
        }
        return false;
    }

    /** Whether H2 had closed the database: it does so after a write to the file failed (a full disk). */
    static boolean databaseClosed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // CALLED_AT_SHUTDOWN: a pooled connection whose session H2 closed with the database
            if (t instanceof SQLException q && (q.getErrorCode() == org.h2.api.ErrorCode.DATABASE_IS_CLOSED
                    || q.getErrorCode() == org.h2.api.ErrorCode.DATABASE_CALLED_AT_SHUTDOWN)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens the database again after H2 closed it under a long-lived engine (serve, the console):
     * every pooled connection is dead, and without this the engine could not read or write until
     * restarted, even after space was freed. H2 opens the file as it is: what the failed write
     * did not put there is not in it, which the commit sequence then says.
     *
     * @param dead the pool the failing work used; if another thread has replaced it, nothing is done
     * @return whether the store can be tried again
     */
    private synchronized boolean reopen(StorePool dead) {
        if (closed.get()) {
            return false;
        }
        if (pool != dead) {
            return true;
        }
        // the new pool first: a thread that still holds the old one moves on to it (see connect)
        StorePool fresh = newPool(dataDir, ";IFEXISTS=TRUE");
        pool = fresh;
        dead.dispose();
        long seq;
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq FROM store_commit WHERE id = 0")) {
            rs.next();
            seq = rs.getLong(1);
        } catch (SQLException | RuntimeException e) {
            log.warn("the store in {} cannot be opened again yet: {}", dataDir, rootMessage(e));
            // still failing (no space yet): the new pool got no connection, so the next store call
            // opens the file afresh through it (H2 shuts down a database it finds broken on its next use)
            return false;
        }
        if (seq < seqFile.seq()) {
            log.error("H2 closed the store in {} after a failed write; reopened, it holds commit {} of {}: the last {} "
                    + "commit(s) did not reach the file", dataDir, seq, seqFile.seq(), seqFile.seq() - seq);
        } else {
            log.warn("H2 closed the store in {} after a failed write; opened it again (commit {})", dataDir, seq);
        }
        return true;
    }

    // ---- checkpoints and backups ----------------------------------------------------------

    /**
     * Writes every committed transaction to disk now, or fails saying why. H2 commits in memory
     * and writes to the file in the background within a second; a write that fails there (a full
     * disk) reaches no caller, and the commits since the last good write are gone when the
     * database closes. Call it before telling anyone a write is done. Never retried: after a
     * failed write H2 reopens the file as it was, and a sync that then succeeds proves nothing.
     * A sync also records in store.seq that every commit so far is in the file.
     */
    public void sync() {
        try {
            checkpoint();
        } catch (SQLException | RuntimeException e) {
            throw new OperationFailedException("store error: cannot write to " + dataDir + ": " + rootMessage(e), e);
        }
    }

    /** Whether a store failure is the file not being written. */
    static boolean writeFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.h2.mvstore.MVStoreException || String.valueOf(t.getMessage()).contains("MVStoreException")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Makes every commit so far part of the file, then records it as durable in store.seq. */
    void checkpoint() throws SQLException {
        long upTo = seqFile.seq();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        }
        if (upTo > seqFile.durable()) {
            try {
                seqFile.durable(upTo);
            } catch (IOException e) {
                log.warn("cannot record commit {} as written in {}: {}", upTo, seqFile.file(), e.toString());
            }
        }
    }

    private void checkpointQuietly() {
        if (seqFile.seq() <= seqFile.durable()) {
            return;
        }
        try {
            checkpoint();
        } catch (Exception e) {
            if (!closed.get()) {
                log.debug("checkpoint failed: {}", e.toString());
            }
        }
    }

    private Duration age(Optional<Backup> b) {
        return b.map(x -> Duration.between(x.time(), options.clock().instant())).orElse(Duration.ofDays(36500));
    }

    private void backupIfDue() {
        Optional<Backup> newest = newestBackup;
        boolean changed = newest.map(b -> seqFile.seq() > b.seq()).orElse(seqFile.seq() > 0);
        if (changed && age(newest).compareTo(options.backupInterval()) >= 0) {
            queueBackup();
        }
    }

    private void queueBackup() {
        if (!closed.get() && backupQueued.compareAndSet(false, true)) {
            maintenance.execute(() -> {
                try {
                    if (!roomForBackup()) {
                        return;
                    }
                    backup(null);
                } catch (RuntimeException e) {
                    log.warn("automatic backup of {} failed: {}", dataDir, e.getMessage());
                } finally {
                    backupQueued.set(false);
                }
            });
        }
    }

    /** Free space the disk must keep beyond an automatic backup: a backup must not fill the disk the store writes to. */
    static final long BACKUP_HEADROOM = 64L * 1024 * 1024;

    private boolean roomForBackup() {
        try {
            long needed = Files.size(dataDir.resolve(FILE)) + BACKUP_HEADROOM;
            long free = Files.getFileStore(dataDir).getUsableSpace();
            if (free < needed) {
                log.warn("no automatic backup of {}: {} MB free, a backup needs {} MB to leave room for the store",
                        dataDir, free >> 20, needed >> 20);
                return false;
            }
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Backs the store up with H2's online {@code BACKUP TO}, while it stays in use: to
     * {@code target}, or (null) to a new automatic backup in {@code backups/}, keeping the newest
     * {@link StoreOptions#backupKeep()}. Written to a temporary name, verified, then moved.
     */
    Backup backup(Path target) {
        synchronized (backupLock) {
            Instant now = options.clock().instant();
            long seq = seqFile.seq();
            Path file = target != null ? target.toAbsolutePath()
                    : dataDir.resolve(Backup.DIR).resolve(Backup.name(now, seq));
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            try {
                Files.createDirectories(file.getParent());
                Files.deleteIfExists(tmp);
                try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("BACKUP TO ?")) {
                    ps.setString(1, tmp.toString());
                    ps.execute();
                }
                Backup.verify(tmp);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                SeqFile.syncDirectory(file.getParent());
            } catch (SQLException | IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // left for the next backup to replace
                }
                throw new OperationFailedException("backup of the store in " + dataDir + " to " + file + " failed: "
                        + rootMessage(e), e);
            }
            Backup made = new Backup(file, now, seq, size(file));
            if (target == null) {
                commitsSinceBackup.set(0);
                newestBackup = Optional.of(made);
                rotate();
                log.info("backed up the store (commit {}) to {}", seq, file);
            }
            return made;
        }
    }

    private void rotate() {
        List<Backup> all = Backup.list(dataDir);
        for (Backup old : all.subList(Math.min(options.backupKeep(), all.size()), all.size())) {
            try {
                Files.deleteIfExists(old.file());
            } catch (IOException e) {
                log.warn("cannot remove old backup {}: {}", old.file(), e.toString());
            }
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- closing ---------------------------------------------------------------------------

    /**
     * Closes the database (waiting for a backup under way) and, once H2 has closed and synced the
     * file, marks store.seq clean with the last commit. Closing twice is closing once. A write
     * that fails says so (a command that printed "done" must not exit 0 on a store that lost
     * it): the store still closes, store.seq is left not clean, and the failure is thrown.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        maintenance.shutdown();
        try {
            if (!maintenance.awaitTermination(10, TimeUnit.MINUTES)) {
                log.warn("store maintenance did not finish in 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        OperationFailedException failed = null;
        try {
            sync();
        } catch (OperationFailedException e) {
            failed = e;
        }
        pool.dispose();
        // with no connection left, H2 has closed (and synced) the database
        boolean closedCleanly = failed == null && pool.getActiveConnections() == 0;
        try {
            if (closedCleanly) {
                seqFile.closeClean();
            } else {
                seqFile.close();
            }
        } catch (IOException e) {
            log.warn("cannot record the store's close in {}: {}", seqFile.file(), e.toString());
        }
        OPEN_HERE.remove(dataDir);
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Closes H2's database without writing (SHUTDOWN IMMEDIATELY) after an open failed. A normal
     * close writes, fails again on a full disk, and leaves the broken database registered in this
     * process: every later open here, even after space is freed, then gets its old error.
     */
    private static void abandon(StorePool pool) {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException | RuntimeException e) {
            log.debug("shutting the database down after a failure: {}", e.toString());
        }
        pool.dispose();
    }

    /** Whether this process has the store in {@code dataDir} open. */
    static boolean openHere(Path dataDir) {
        return OPEN_HERE.contains(dataDir.toAbsolutePath());
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    // ---- the read-only look before opening -------------------------------------------------

    /**
     * What the database file holds, read without writing to it: H2 opens the file read-only (a
     * damaged file is then not "repaired" by truncating it to an old state, as a read-write open
     * would do).
     *
     * @param problem why H2 could not read it, or null
     * @param inUse another process has it open
     * @param hasSchema Flyway's history table is there
     * @param seq the commit sequence (0 before the V5 migration)
     * @param tables the tables present, upper case, with their row counts when counted
     */
    record Inspection(String problem, boolean inUse, boolean hasSchema, long seq,
                      java.util.Map<String, Long> tables) {

        static Inspection of(Path dir) {
            return of(dir, false);
        }

        /** With {@code full}, every row of every table is read and counted (store check). */
        static Inspection of(Path dir, boolean full) {
            Path file = dir.resolve(FILE);
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                return new Inspection("cannot read it: " + e.getMessage(), false, false, 0, java.util.Map.of());
            }
            if (size < MIN_FILE_SIZE) {
                return new Inspection("it is only " + size + " bytes long (truncated)", false, false, 0,
                        java.util.Map.of());
            }
            Properties p = new Properties();
            p.setProperty("user", "pilothouse");
            p.setProperty("password", "");
            try (Connection c = new org.h2.Driver().connect(url(dir, ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r"), p)) {
                java.util.Map<String, Long> tables = new java.util.TreeMap<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'")) {
                    while (rs.next()) {
                        tables.put(rs.getString(1), -1L);
                    }
                }
                java.util.Set<String> upper = new java.util.HashSet<>();
                tables.keySet().forEach(t -> upper.add(t.toUpperCase(java.util.Locale.ROOT)));
                boolean schema = upper.contains("FLYWAY_SCHEMA_HISTORY");
                if (schema) {
                    List<String> missing = TABLES.stream().filter(t -> !upper.contains(t)).toList();
                    if (!missing.isEmpty()) {
                        return new Inspection("tables " + missing + " are missing", false, true, 0, tables);
                    }
                }
                long seq = 0;
                if (upper.contains("STORE_COMMIT")) {
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT seq FROM store_commit WHERE id = 0")) {
                        if (!rs.next()) {
                            return new Inspection("the store_commit row is missing", false, schema, 0, tables);
                        }
                        seq = rs.getLong(1);
                    }
                }
                if (full) {
                    for (String t : List.copyOf(tables.keySet())) {
                        tables.put(t, readAll(c, t));
                    }
                    // the schema itself: every definition scripted
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SCRIPT NODATA")) {
                        while (rs.next()) {
                            rs.getString(1);
                        }
                    }
                }
                return new Inspection(null, false, schema, seq, tables);
            } catch (SQLException | RuntimeException e) {
                if (inUse(e)) {
                    return new Inspection(null, true, false, 0, java.util.Map.of());
                }
                return new Inspection("H2 cannot read it: " + firstLine(rootMessage(e)), false, false, 0,
                        java.util.Map.of());
            }
        }

        /** Reads every column of every row: each page of the table is read and checksummed by H2. */
        private static long readAll(Connection c, String table) throws SQLException {
            long rows = 0;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\"")) {
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= cols; i++) {
                        rs.getObject(i);
                    }
                    rows++;
                }
            }
            return rows;
        }

        static boolean inUse(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && sql.getErrorCode() == 90020) {
                    return true;
                }
                if (t.getMessage() != null && t.getMessage().contains("The file is locked")) {
                    return true;
                }
            }
            return false;
        }
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ---- who has the store open -----------------------------------------------------------

    /** {@code store.pid}: which process opened the store last, to name it in "in use" messages. */
    static final class Owner {
        private Owner() {
        }

        /**
         * Records this process as the store's holder. Written in place and left behind on close
         * (the lock says whether anyone holds the store; this only names who): creating and
         * deleting a file on every open would move a full disk's last free block around.
         */
        static void write(Path dir) {
            ProcessHandle me = ProcessHandle.current();
            String text = "pid " + me.pid() + "\ncommand " + command(me.info()) + "\nsince " + Instant.now() + "\n";
            try {
                Files.writeString(dir.resolve(OWNER), text);
            } catch (IOException e) {
                log.debug("cannot write {}: {}", dir.resolve(OWNER), e.toString());
            }
        }

        /** The program and its arguments, without the JVM's options and class path. */
        static String command(ProcessHandle.Info info) {
            String exe = info.command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
            String javaCommand = System.getProperty("sun.java.command");
            if (javaCommand != null && !javaCommand.isBlank()) {
                // the main class and its arguments (the OS gives none past a long class path)
                return exe + " " + javaCommand;
            }
            String[] args = info.arguments().filter(a -> a.length > 0)
                    .or(() -> info.commandLine().map(c -> c.split(" ")).map(w -> java.util.Arrays.copyOfRange(w, 1, w.length)))
                    .orElse(new String[0]);
            StringBuilder b = new StringBuilder(exe);
            boolean main = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!main && List.of("-cp", "-classpath", "--class-path", "-p", "--module-path").contains(a)) {
                    i++;
                } else if (main || !a.startsWith("-")) {
                    main = true;
                    b.append(' ').append(a);
                } else if (a.equals("-jar") && i + 1 < args.length) {
                    main = true;
                    b.append(" -jar ").append(args[++i]);
                }
            }
            return b.toString();
        }

        static String describe(Path dir) {
            if (openHere(dir)) {
                return "this process (" + ProcessHandle.current().pid() + ")";
            }
            try {
                List<String> lines = Files.readAllLines(dir.resolve(OWNER));
                long pid = Long.parseLong(lines.get(0).substring(4).trim());
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(dev.pilothouse.runtime.Processes::running).orElse(false)) {
                    String cmd = lines.size() > 1 ? lines.get(1).substring(Math.min(8, lines.get(1).length())) : "?";
                    if (cmd.length() > 120) {
                        cmd = cmd.substring(0, 117) + "...";
                    }
                    return "process " + pid + " (" + cmd + ")";
                }
            } catch (IOException | RuntimeException e) {
                // unknown owner
            }
            return "another process";
        }
    }
}
