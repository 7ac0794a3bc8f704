package dev.pilothouse.store;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pilothouse.session.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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
        java.util.Set<Integer> versions;
        try (Stream<Path> files = Files.list(migrations)) {
            versions = files.map(f -> name.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).collect(java.util.stream.Collectors.toSet());
        }
        assertThat(Store.SCHEMA_VERSION).isEqualTo(versions.stream().mapToInt(v -> v).max().orElseThrow());
        // no gap: Store.schemaIsCurrent counts the versions applied
        for (int v = 1; v <= Store.SCHEMA_VERSION; v++) {
            assertThat(versions).as("version %d has a migration", v).contains(v);
        }
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
        Path old = storeAt("8", st -> {
            for (String[] row : new String[][] {{"crashed", "ERROR"}, {"paused", "IDLE"}}) {
                st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                        + "waiting_timeout_seconds, ttl_seconds, metadata, created_by, created_at, updated_at, "
                        + "last_activity_at, version, seq) VALUES ('" + row[0] + "', '" + row[0] + "', 'local', "
                        + "'default', '', '" + row[1] + "', 'PAUSED', 300, 86400, '{}', 'test', CURRENT_TIMESTAMP, "
                        + "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1)");
            }
        });
        try (Store upgraded = Store.open(old)) {
            assertThat(upgraded.read(tx -> tx.findSession("crashed")).orElseThrow().phase())
                    .isEqualTo(dev.pilothouse.session.Phase.FAILED);
            assertThat(upgraded.read(tx -> tx.findSession("paused")).orElseThrow().phase())
                    .isEqualTo(dev.pilothouse.session.Phase.PAUSED);
        }
    }

    @Test
    void sessionsAndMessagesOfAStoreBeforeGuardrailsHaveNoneAfterTheMigration() throws Exception {
        Path old = storeAt("9", st -> {
            st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                    + "waiting_timeout_seconds, ttl_seconds, metadata, created_by, created_at, updated_at, "
                    + "last_activity_at, version, seq) VALUES ('before', 'before', 'local', 'default', 'hello', 'IDLE', "
                    + "'PAUSED', 300, 86400, '{}', 'test', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1)");
            st.execute("INSERT INTO messages (session_id, role, agent, content, status, created_at) VALUES ('before', "
                    + "'USER', 'reference', 'hello', 'COMPLETE', CURRENT_TIMESTAMP)");
        });
        try (Store upgraded = Store.open(old)) {
            dev.pilothouse.session.Session s = upgraded.read(tx -> tx.findSession("before")).orElseThrow();
            assertThat(s.guardrails()).isEmpty();
            assertThat(dev.pilothouse.session.SessionJson.toJson(s).get("guardrails").isArray()).isTrue();
            assertThat(dev.pilothouse.session.SessionJson.toJson(s).get("guardrails")).isEmpty();
            java.util.List<dev.pilothouse.session.Message> messages = upgraded.read(tx -> tx.messages("before", 0, null, 10));
            assertThat(messages).singleElement().satisfies(m -> {
                assertThat(m.content()).isEqualTo("hello");
                assertThat(m.guard()).isNull();
            });
            // and a session written now keeps its guardrails, a message its mark
            upgraded.write(tx -> tx.saveSession(s, s.toBuilder().name("after").build(), "test", "renamed"));
            assertThat(upgraded.read(tx -> tx.findSession("before")).orElseThrow().guardrails()).isEmpty();
            upgraded.write(tx -> tx.insertMessage(new dev.pilothouse.session.Message(0, "before",
                    dev.pilothouse.session.Message.Role.AGENT, "reference", "[REDACTED:email]",
                    dev.pilothouse.session.Message.Status.COMPLETE, null, java.time.Instant.now(), null,
                    new dev.pilothouse.session.Message.Guard("redacted", "no-pii-exposure", java.util.List.of("email")))));
            assertThat(upgraded.read(tx -> tx.messages("before", 0, null, 10)).get(1).guard().summary())
                    .isEqualTo("redacted by no-pii-exposure: email");
        }
    }

    @Test
    void aV10StoreGainsTemplatesAndKeepsItsSessions() throws Exception {
        Path old = storeAt("10", st -> {
            st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                    + "waiting_timeout_seconds, ttl_seconds, metadata, created_by, created_at, updated_at, "
                    + "last_activity_at, version, seq) VALUES ('v10', 'v10', 'local', 'default', 'hello', 'IDLE', "
                    + "'PAUSED', 300, 86400, '{}', 'test', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1)");
        });
        try (Store upgraded = Store.open(old)) {
            assertThat(upgraded.read(tx -> tx.findSession("v10")).orElseThrow().startingPrompt()).isEqualTo("hello");
            assertThat(upgraded.<java.util.List<dev.pilothouse.template.StoredTemplate>>read(StoreTx::listTemplates)).isEmpty();
            java.time.Instant t0 = java.time.Instant.parse("2026-12-04T10:00:00Z");
            upgraded.write(tx -> tx.insertTemplate("t", "yaml 1", "test", t0));
            var second = upgraded.write(tx -> tx.insertTemplate("t", "yaml 2", "test", t0.plusSeconds(60)));
            assertThat(second.version()).isEqualTo(2);
            assertThat(second.createdAt()).isEqualTo(t0);
            assertThat(upgraded.<java.util.Optional<dev.pilothouse.template.StoredTemplate>>read(tx -> tx.findTemplate("t", null)).orElseThrow().yaml()).isEqualTo("yaml 2");
            assertThat(upgraded.<java.util.Optional<dev.pilothouse.template.StoredTemplate>>read(tx -> tx.findTemplate("t", 1)).orElseThrow().yaml()).isEqualTo("yaml 1");
            assertThat(upgraded.<Integer>write(tx -> tx.deleteTemplate("t", t0.plusSeconds(120)))).isEqualTo(2);
            assertThat(upgraded.<java.util.Optional<dev.pilothouse.template.StoredTemplate>>read(tx -> tx.findTemplate("t", null))).isEmpty();
            // applied again after a delete: numbering goes on, the old versions stay deleted
            assertThat(upgraded.write(tx -> tx.insertTemplate("t", "yaml 3", "test", t0.plusSeconds(180))).version())
                    .isEqualTo(3);
            assertThat(upgraded.<java.util.List<Integer>>read(tx -> tx.templateVersions("t"))).containsExactly(3);
        }
    }

    @Test
    void aV11StoreGainsSchedulesAndItsSessionsStartedAtOnce() throws Exception {
        Path old = storeAt("11", st -> {
            st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                    + "waiting_timeout_seconds, ttl_seconds, metadata, created_by, created_at, updated_at, "
                    + "last_activity_at, version, seq) VALUES ('v11', 'v11', 'local', 'default', 'hello', 'INIT', "
                    + "'PENDING', 300, 86400, '{}', 'test', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1)");
        });
        try (Store upgraded = Store.open(old)) {
            dev.pilothouse.session.Session s = upgraded.read(tx -> tx.findSession("v11")).orElseThrow();
            assertThat(s.scheduledAt()).isNull();
            assertThat(s.pendingStart()).as("an INIT session from before is not waiting for a schedule").isFalse();
            assertThat(upgraded.<java.util.List<dev.pilothouse.schedule.Schedule>>read(tx -> tx.schedules().list())).isEmpty();
        }
    }

    @Test
    void aV16StoreKeepsEverySessionFieldItsChangeOrderAndItsAuditTrailWhenItsStateMovesToItsOwnTable() throws Exception {
        Path old = storeAt("16", st -> {
            st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                    + "waiting_timeout_seconds, ttl_seconds, metadata, cpu, created_by, created_at, updated_at, "
                    + "last_activity_at, termination_reason, owner, version, seq, idle_deadline, ttl_deadline) VALUES "
                    + "('p', 'parent', 'local', 'default', 'hello', 'READY', 'RUNNING', 300, 86400, '{\"team\":\"a\"}', "
                    + "'500m', 'test', TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:00Z', "
                    + "TIMESTAMP WITH TIME ZONE '2026-12-01 10:05:00Z', TIMESTAMP WITH TIME ZONE '2026-12-01 10:04:00Z', "
                    + "NULL, 'engine-1', 7, 42, TIMESTAMP WITH TIME ZONE '2026-12-01 10:09:00Z', "
                    + "TIMESTAMP WITH TIME ZONE '2026-12-02 10:00:00Z')");
            st.execute("INSERT INTO sessions (id, name, context, namespace, starting_prompt, state, phase, "
                    + "waiting_timeout_seconds, ttl_seconds, metadata, parent_session_id, created_by, created_at, "
                    + "updated_at, last_activity_at, deleted_at, termination_reason, version, seq) VALUES "
                    + "('c', 'child', 'local', 'default', '', 'ERROR', 'FAILED', 60, 3600, '{}', 'p', 'test', "
                    + "TIMESTAMP WITH TIME ZONE '2026-12-01 11:00:00Z', TIMESTAMP WITH TIME ZONE '2026-12-01 11:01:00Z', "
                    + "TIMESTAMP WITH TIME ZONE '2026-12-01 11:00:30Z', TIMESTAMP WITH TIME ZONE '2026-12-01 11:01:00Z', "
                    + "'the agent exited with code 3', 3, 41)");
            st.execute("INSERT INTO audit_events (session_id, at, actor, kind, from_state, to_state, reason) VALUES "
                    + "('p', TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:00Z', 'test', 'created', NULL, 'INIT', 'made'), "
                    + "('c', TIMESTAMP WITH TIME ZONE '2026-12-01 11:00:00Z', 'test', 'created', NULL, 'INIT', 'remixed'), "
                    + "('p', TIMESTAMP WITH TIME ZONE '2026-12-01 10:01:00Z', 'engine', 'transition', 'INIT', 'READY', 'healthy')");
            st.execute("ALTER SEQUENCE change_seq RESTART WITH 43");
        });
        try (Store upgraded = Store.open(old)) {
            Session p = upgraded.read(tx -> tx.findSession("p")).orElseThrow();
            assertThat(p.name()).isEqualTo("parent");
            assertThat(p.state()).isEqualTo(dev.pilothouse.session.SessionState.READY);
            assertThat(p.phase()).isEqualTo(dev.pilothouse.session.Phase.RUNNING);
            assertThat(p.version()).isEqualTo(7);
            assertThat(p.owner()).isEqualTo("engine-1");
            assertThat(p.metadata()).isEqualTo("{\"team\":\"a\"}");
            assertThat(p.resources().cpu()).isEqualTo("500m");
            assertThat(p.updatedAt()).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
            assertThat(p.lastActivityAt()).isEqualTo(Instant.parse("2026-12-01T10:04:00Z"));
            // the stored deadlines the timers are read from at open
            assertThat(upgraded.<List<Session>>read(tx -> tx.dueSessions(Instant.parse("2026-12-01T10:08:00Z")))).isEmpty();
            assertThat(upgraded.<List<Session>>read(tx -> tx.dueSessions(Instant.parse("2026-12-01T10:10:00Z"))))
                    .extracting(Session::id).containsExactly("p");
            Session c = upgraded.read(tx -> tx.findSession("c")).orElseThrow();
            assertThat(c.state()).isEqualTo(dev.pilothouse.session.SessionState.ERROR);
            assertThat(c.phase()).isEqualTo(dev.pilothouse.session.Phase.FAILED);
            assertThat(c.terminationReason()).isEqualTo("the agent exited with code 3");
            assertThat(c.deletedAt()).isEqualTo(Instant.parse("2026-12-01T11:01:00Z"));
            assertThat(c.parentSessionId()).isEqualTo("p");
            assertThat(upgraded.<List<Session>>read(tx -> tx.children("p"))).extracting(Session::id).containsExactly("c");
            // the change feed keeps the old change numbers and order
            assertThat(upgraded.<List<StoreTx.ChangeHead>>read(tx -> tx.changeHeadsSince(0)))
                    .extracting(StoreTx.ChangeHead::seq, StoreTx.ChangeHead::id)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(41L, "c"), org.assertj.core.groups.Tuple.tuple(42L, "p"));
            assertThat(upgraded.<Long>read(StoreTx::lastChange)).isEqualTo(42);
            // each session keeps its own audit trail, in order
            assertThat(upgraded.<List<dev.pilothouse.session.AuditEvent>>read(tx -> tx.auditEvents("p", 0, 10)))
                    .extracting(dev.pilothouse.session.AuditEvent::sessionId, dev.pilothouse.session.AuditEvent::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("p", "made"), org.assertj.core.groups.Tuple.tuple("p", "healthy"));
            assertThat(upgraded.<List<dev.pilothouse.session.AuditEvent>>read(tx -> tx.auditEvents("c", 0, 10)))
                    .extracting(dev.pilothouse.session.AuditEvent::reason).containsExactly("remixed");
            // a migrated session is written as any other: the version check holds, the change is audited
            Session paused = upgraded.write(tx -> tx.saveSession(p, p.toBuilder()
                    .state(dev.pilothouse.session.SessionState.IDLE).phase(dev.pilothouse.session.Phase.PAUSED)
                    .name("renamed").build(), "test", "paused"));
            assertThat(paused.version()).isEqualTo(8);
            Session reread = upgraded.read(tx -> tx.findSession("p")).orElseThrow();
            assertThat(reread.name()).isEqualTo("renamed");
            assertThat(reread.state()).isEqualTo(dev.pilothouse.session.SessionState.IDLE);
            assertThat(upgraded.<List<StoreTx.ChangeHead>>read(tx -> tx.changeHeadsSince(42)))
                    .extracting(StoreTx.ChangeHead::id).containsExactly("p");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> upgraded.write(tx -> tx.saveSession(p,
                    p.toBuilder().name("lost").build(), "test", "stale"))).isInstanceOf(dev.pilothouse.errors.ConflictException.class);
            assertThat(upgraded.read(tx -> tx.findSession("p")).orElseThrow().name()).isEqualTo("renamed");
            assertThat(upgraded.<List<dev.pilothouse.session.AuditEvent>>read(tx -> tx.auditEvents("p", 0, 10)))
                    .extracting(dev.pilothouse.session.AuditEvent::kind).contains("transition", "updated");
        }
    }

    /** Statements run on a store of an older schema, before this build opens it. */
    private interface OldStoreWork {
        void run(java.sql.Statement st) throws java.sql.SQLException;
    }

    /** A store migrated to {@code version} only (in its own folder), with {@code work} done on it. */
    private Path storeAt(String version, OldStoreWork work) throws Exception {
        Path old = dir.resolve("v" + version);
        Files.createDirectories(old);
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + old.resolve(Store.BASE), "pilothouse", "");
        try (java.sql.Connection c = pool.getConnection(); java.sql.Statement st = c.createStatement()) {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").target(version).load().migrate();
            work.run(st);
        } finally {
            pool.dispose();
        }
        return old;
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
