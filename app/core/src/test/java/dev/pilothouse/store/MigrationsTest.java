package dev.pilothouse.store;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Opening a store whose schema is this build's skips Flyway; any other store is still migrated first. */
class MigrationsTest {
    @TempDir
    Path dir;

    @Test
    void theSchemaVersionIsTheNewestMigration() throws Exception {
        Path migrations = Path.of(Store.class.getResource("/db/migration").toURI());
        Pattern name = Pattern.compile("V(\\d+)__.*\\.sql");
        int newest;
        try (Stream<Path> files = Files.list(migrations)) {
            newest = files.map(f -> name.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
        }
        assertThat(Store.SCHEMA_VERSION).isEqualTo(newest);
    }

    @Test
    void aStoreOfThisBuildIsCurrentAndAnOlderOneIsMigratedWhenOpened() throws Exception {
        Path old = dir.resolve("old");
        Files.createDirectories(old);
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + old.resolve(Store.BASE), "pilothouse", "");
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").target("5").load().migrate();
            assertThat(Store.schemaIsCurrent(pool)).isFalse();
        } finally {
            pool.dispose();
        }
        try (Store upgraded = Store.open(old)) {
            assertThat(upgraded.<java.util.Optional<dev.pilothouse.agent.AgentDefinition>>read(tx -> tx.findLiveAgent("reference"))).isPresent();
        }
        JdbcConnectionPool after = JdbcConnectionPool.create("jdbc:h2:file:" + old.resolve(Store.BASE), "pilothouse", "");
        try {
            assertThat(Store.schemaIsCurrent(after)).isTrue();
        } finally {
            after.dispose();
        }
    }

    @Test
    void aSessionWhoseRuntimeFailedUnderAnOlderSchemaReadsAsFailedNotPaused() throws Exception {
        Path old = dir.resolve("v8");
        Files.createDirectories(old);
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + old.resolve(Store.BASE), "pilothouse", "");
        try (java.sql.Connection c = pool.getConnection(); java.sql.Statement st = c.createStatement()) {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").target("8").load().migrate();
            for (String[] row : new String[][] {{"crashed", "ERROR"}, {"paused", "IDLE"}}) {
                st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                        + "waiting_timeout_seconds, ttl_seconds, metadata, created_by, created_at, updated_at, "
                        + "last_activity_at, version, seq) VALUES ('" + row[0] + "', '" + row[0] + "', 'local', "
                        + "'default', '', '" + row[1] + "', 'PAUSED', 300, 86400, '{}', 'test', CURRENT_TIMESTAMP, "
                        + "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1)");
            }
        } finally {
            pool.dispose();
        }
        try (Store upgraded = Store.open(old)) {
            assertThat(upgraded.read(tx -> tx.findSession("crashed")).orElseThrow().phase())
                    .isEqualTo(dev.pilothouse.session.Phase.FAILED);
            assertThat(upgraded.read(tx -> tx.findSession("paused")).orElseThrow().phase())
                    .isEqualTo(dev.pilothouse.session.Phase.PAUSED);
        }
    }

    @Test
    void anEmptyDatabaseIsNotCurrent() throws java.sql.SQLException {
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("empty"), "pilothouse", "");
        try {
            assertThat(Store.schemaIsCurrent(pool)).isFalse();
        } finally {
            pool.dispose();
        }
    }
}
