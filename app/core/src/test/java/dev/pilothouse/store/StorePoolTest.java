package dev.pilothouse.store;

import org.h2.jdbc.JdbcConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorePoolTest {
    @TempDir
    Path dir;

    private StorePool pool() {
        return new StorePool(Store.url(dir, ""), "pilothouse", "", 2);
    }

    @Test
    void aConnectionGivenBackIsHandedOutAgainAndTheDatabaseStaysOpen() throws SQLException {
        StorePool pool = pool();
        JdbcConnection first;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v INT)");
            s.execute("INSERT INTO t VALUES (1)");
            first = c.unwrap(JdbcConnection.class);
            assertThat(pool.getActiveConnections()).isEqualTo(1);
        }
        assertThat(pool.getActiveConnections()).isZero();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM t")) {
            assertThat(c.unwrap(JdbcConnection.class)).isSameAs(first);
            assertThat(rs.next()).isTrue();
        }
        pool.dispose();
        assertThat(first.isClosed()).isTrue();
    }

    @Test
    void aConnectionGivenBackInsideATransactionIsRolledBackFirst() throws SQLException {
        StorePool pool = pool();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v INT)");
        }
        Connection open = pool.getConnection();
        open.setAutoCommit(false);
        open.createStatement().execute("INSERT INTO t VALUES (1)");
        open.close();
        assertThat(open.isClosed()).isTrue();
        assertThatThrownBy(open::createStatement).isInstanceOf(SQLException.class);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            assertThat(c.getAutoCommit()).isTrue();
            rs.next();
            assertThat(rs.getInt(1)).as("rows of the transaction never committed").isZero();
        }
        pool.dispose();
    }

    @Test
    void aDisposedPoolHandsOutNothingAndClosesWhatComesBack() throws SQLException {
        StorePool pool = pool();
        Connection held = pool.getConnection();
        JdbcConnection physical = held.unwrap(JdbcConnection.class);
        pool.dispose();
        assertThatThrownBy(pool::getConnection).isInstanceOf(IllegalStateException.class).hasMessageContaining("disposed");
        assertThat(physical.isClosed()).isFalse();
        held.close();
        assertThat(physical.isClosed()).isTrue();
        assertThat(pool.getActiveConnections()).isZero();
    }

    @Test
    void aDatabaseThatCannotBeOpenedFailsAtOnceWithH2sReason() {
        StorePool pool = new StorePool(Store.url(dir.resolve("missing"), ";IFEXISTS=TRUE"), "pilothouse", "", 2);
        assertThatThrownBy(pool::getConnection).isInstanceOf(SQLException.class).hasMessageContaining("not found");
        assertThat(pool.getActiveConnections()).as("the slot is free again").isZero();
    }
}
