package dev.pilothouse.store;

import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.Function;

/**
 * The metadata store: an H2 file database in the data dir, schema by Flyway.
 *
 * <p>Several processes may open one data dir at once (the console and CLI commands): H2's
 * automatic mixed mode lets the first process serve the file to the others over loopback. When
 * that process exits, the others reconnect and become the server; a transaction cut off by the
 * hand-over is rolled back by H2 and run again here, whole.
 */
public final class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);
    /** H2 error codes for a connection lost while the serving process went away. */
    private static final Set<Integer> CONNECTION_LOST = Set.of(90067, 90098, 90121, 90028);
    private static final int ATTEMPTS = 5;

    private final Path dataDir;
    private final JdbcConnectionPool pool;
    private final Jdbi jdbi;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Store(Path dataDir, JdbcConnectionPool pool) {
        this.dataDir = dataDir;
        this.pool = pool;
        this.jdbi = Jdbi.create(pool);
    }

    public static Store open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new OperationFailedException("cannot create data dir " + dataDir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("pilothouse")
                + ";AUTO_SERVER=TRUE;AUTO_RECONNECT=TRUE;LOCK_TIMEOUT=10000;WRITE_DELAY=0";
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "pilothouse", "");
        pool.setMaxConnections(32);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.dispose();
            throw new OperationFailedException("cannot open the store in " + dataDir + ": " + rootMessage(e), e);
        }
        return new Store(dataDir, pool);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Runs {@code work} in one transaction: all of it commits, or none of it. */
    public <T> T write(Function<StoreTx, T> work) {
        return retrying(() -> jdbi.inTransaction(h -> work.apply(new StoreTx(h))));
    }

    /** Runs read-only {@code work} on one connection. */
    public <T> T read(Function<StoreTx, T> work) {
        return retrying(() -> jdbi.withHandle(h -> work.apply(new StoreTx(h))));
    }

    /**
     * Writes every committed transaction to disk now, or fails saying why. H2 commits in memory
     * and writes to the file in the background within a second; a write that fails there (a full
     * disk) reaches no caller, and the commits since the last good write are gone when the
     * database closes. Call it before telling anyone a write is done. Never retried: after a
     * failed write H2 reopens the file as it was, and a sync that then succeeds proves nothing.
     */
    public void sync() {
        try {
            jdbi.useHandle(h -> h.execute("CHECKPOINT"));
        } catch (JdbiException e) {
            throw new OperationFailedException("store error: cannot write to " + dataDir + ": " + rootMessage(e), e);
        }
    }

    /** Whether a store failure is the file not being written (rather than a connection handed over). */
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

    private <T> T retrying(java.util.function.Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (JdbiException e) {
                if (e.getCause() instanceof PilothouseException pe) {
                    throw pe;
                }
                if (attempt < ATTEMPTS && connectionLost(e)) {
                    log.info("store connection lost (attempt {}), reconnecting: {}", attempt, rootMessage(e));
                    continue;
                }
                throw new OperationFailedException("store error: " + rootMessage(e), e);
            }
        }
    }

    private static boolean connectionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql
                    && (CONNECTION_LOST.contains(sql.getErrorCode()) || String.valueOf(sql.getSQLState()).startsWith("08"))) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /**
     * Writes what is committed and closes. A write that fails says so (a command that printed
     * "done" must not exit 0 on a store that lost it); a connection handed over to another
     * process as this one closes is no failure.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // closing twice is closing once
        }
        OperationFailedException failed = null;
        try {
            sync();
        } catch (OperationFailedException e) {
            if (writeFailed(e) || !connectionLost(e)) {
                failed = e;
            } else {
                log.info("store connection handed over while closing: {}", e.getMessage());
            }
        } finally {
            pool.dispose();
        }
        if (failed != null) {
            throw failed;
        }
    }
}
