package dev.pilothouse.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * The store's connections to its embedded H2 database, kept open between uses (the database
 * closes with its last connection). Why not H2's {@code JdbcConnectionPool}: it rolls a
 * connection back when it hands it out and again when it takes it back, and H2 ends every
 * ROLLBACK, even of a statement that changed nothing, by writing the store's pending changes under
 * its store lock. Every read waited for, or did, the write of another thread's commit: in the watch
 * benchmark the stream's reads spent 69 % of their time there. Why not HikariCP: a connection it
 * cannot open (a full disk, a file still held) becomes a wait of its connection timeout ending in
 * a timeout, where the store must fail at once with H2's reason. Connections come back here with
 * their transaction ended (Jdbi commits or rolls back; {@link Store} commits its reads).
 */
final class StorePool implements DataSource {
    private static final long WAIT_FOR_FREE_SECONDS = 30;

    private final String url;
    private final Properties credentials = new Properties();
    private final int max;
    private final Semaphore slots;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean disposed;

    StorePool(String url, String user, String password, int maxConnections) {
        this.url = url;
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        this.slots = new Semaphore(maxConnections, true);
        this.max = maxConnections;
    }

    /** A connection whose {@code close()} gives it back; opens one when none is idle. */
    @Override
    public Connection getConnection() throws SQLException {
        if (disposed) {
            throw new IllegalStateException("Connection pool has been disposed");
        }
        try {
            if (!slots.tryAcquire(WAIT_FOR_FREE_SECONDS, TimeUnit.SECONDS)) {
                throw new SQLException("the store is busy: all " + max + " connections stayed in use for "
                        + WAIT_FOR_FREE_SECONDS + " s; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a store connection", e);
        }
        try {
            Connection physical = idle.pollFirst();
            while (physical != null && physical.isClosed()) {
                physical = idle.pollFirst();
            }
            if (physical == null) {
                physical = new org.h2.Driver().connect(url, credentials);
            }
            return lease(physical);
        } catch (SQLException | RuntimeException e) {
            slots.release();
            throw e;
        }
    }

    /** Connections handed out and not yet given back. */
    int getActiveConnections() {
        return max - slots.availablePermits();
    }

    /** Closes the idle connections now and the others when they are given back; no new ones are handed out. */
    void dispose() {
        disposed = true;
        for (Connection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
            closeQuietly(c);
        }
    }

    private Connection lease(Connection physical) {
        boolean[] returned = new boolean[1];
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            synchronized (returned) {
                                if (!returned[0]) {
                                    returned[0] = true;
                                    giveBack(physical);
                                }
                            }
                            return null;
                        case "isClosed":
                            return returned[0] || physical.isClosed();
                        case "unwrap":
                            return ((Class<?>) args[0]).isInstance(proxy) ? proxy : physical.unwrap((Class<?>) args[0]);
                        case "isWrapperFor":
                            return ((Class<?>) args[0]).isInstance(proxy) || physical.isWrapperFor((Class<?>) args[0]);
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return "store connection " + physical;
                        default:
                            if (returned[0]) {
                                throw new SQLException("the store connection was already closed");
                            }
                            try {
                                return method.invoke(physical, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    private void giveBack(Connection physical) {
        try {
            boolean reusable = !disposed && !physical.isClosed();
            if (reusable && !physical.getAutoCommit()) {
                // given back inside a transaction (a caller that neither committed nor rolled back)
                physical.rollback();
                physical.setAutoCommit(true);
            }
            if (reusable) {
                idle.addFirst(physical);
                if (disposed && idle.remove(physical)) {
                    closeQuietly(physical); // disposed meanwhile
                }
            } else {
                closeQuietly(physical);
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(physical);
        } finally {
            slots.release();
        }
    }

    // ---- the rest of DataSource (Flyway takes one) ----------------------------------------------

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the store's connections have one user");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // H2 traces through the app log
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // an embedded database: nothing to log in to
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging here");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // a connection of a database H2 already closed
        }
    }
}
