package dev.pilothouse.store;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreTest {
    @TempDir
    Path dir;
    Store store;
    AgentDefinition reference;
    final Instant t0 = Instant.parse("2026-01-20T10:00:00Z");

    @BeforeEach
    void open() {
        store = Store.open(dir);
        reference = Fixtures.reference(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Session find(String id) {
        return store.read(tx -> tx.findSession(id)).orElseThrow();
    }

    private List<AuditEvent> audit(String id) {
        return store.read(tx -> tx.auditEvents(id, 0, 1000));
    }

    private List<Session> list(boolean deleted) {
        return store.read(tx -> tx.listSessions("local", deleted));
    }

    private List<Session> due(Instant at) {
        return store.read(tx -> tx.dueSessions(at));
    }

    @Test
    void aNewDataDirIsAFileDatabaseWithTheReferenceAgent() {
        assertThat(Files.exists(dir.resolve("pilothouse.mv.db"))).isTrue();
        assertThat(reference.command()).containsExactly("pilothouse", "reference-agent");
        assertThat(reference.port()).isEqualTo(8080);
        // reopening runs no migration twice and keeps the data
        Session s = Fixtures.insert(store, reference, "kept", SessionState.READY, t0);
        store.close();
        store = Store.open(dir);
        assertThat(find(s.id())).extracting(Session::name).isEqualTo("kept");
        assertThat(store.<List<AgentDefinition>>read(tx -> tx.listAgents(false))).extracting(AgentDefinition::name)
                .containsExactlyInAnyOrder("reference", "openai-assistant", "ollama-assistant");
    }

    @Test
    void examplesSeededByAnUpgradeLeaveTheOperatorsOwnDefinitionsAlone(@TempDir Path old) throws Exception {
        // a data dir from before the examples, with the operator's own "openai-assistant"
        String url = "jdbc:h2:file:" + old.resolve("pilothouse") + ";AUTO_SERVER=TRUE";
        org.flywaydb.core.Flyway.configure().dataSource(url, "pilothouse", "").locations("classpath:db/migration")
                .target("2").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "pilothouse", "")) {
            c.createStatement().executeUpdate("INSERT INTO agents (id, name, command, env, port, created_at, updated_at) "
                    + "VALUES ('mine', 'openai-assistant', '[\"my-agent\"]', '{}', 9000, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        }
        try (Store upgraded = Store.open(old)) {
            List<AgentDefinition> agents = upgraded.read(tx -> tx.listAgents(false));
            assertThat(agents).extracting(AgentDefinition::name)
                    .containsExactlyInAnyOrder("reference", "openai-assistant", "ollama-assistant");
            AgentDefinition mine = agents.stream().filter(a -> a.name().equals("openai-assistant")).findFirst().orElseThrow();
            assertThat(mine.id()).isEqualTo("mine");
            assertThat(mine.command()).containsExactly("my-agent");
            assertThat(mine.port()).isEqualTo(9000);
        }
    }

    @Test
    void aTransitionIsStoredWithItsAuditRow() {
        Session s = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session next = s.toBuilder().state(SessionState.BUSY).updatedAt(t0.plusSeconds(1)).build();
        Session saved = store.write(tx -> tx.saveSession(s, next, "alice", "message from alice"));

        assertThat(saved.version()).isEqualTo(2);
        Session reread = find(s.id());
        assertThat(reread.state()).isEqualTo(SessionState.BUSY);
        assertThat(reread.version()).isEqualTo(2);
        List<AuditEvent> events = audit(s.id());
        assertThat(events).extracting(AuditEvent::kind).containsExactly(AuditEvent.CREATED, AuditEvent.TRANSITION);
        AuditEvent t = events.get(1);
        assertThat(t.from()).isEqualTo(SessionState.READY);
        assertThat(t.to()).isEqualTo(SessionState.BUSY);
        assertThat(t.actor()).isEqualTo("alice");
        assertThat(t.reason()).isEqualTo("message from alice");
        assertThat(t.at()).isEqualTo(t0.plusSeconds(1));
    }

    @Test
    void aTransitionWhoseAuditRowFailsIsNotStored() {
        Session s = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session next = s.toBuilder().state(SessionState.IDLE).updatedAt(t0.plusSeconds(1)).build();
        // a null actor violates the audit table's NOT NULL: the audit insert fails after the session update
        assertThatThrownBy(() -> store.write(tx -> tx.saveSession(s, next, null, "pause")))
                .hasMessageContaining("ACTOR");
        Session reread = find(s.id());
        assertThat(reread.state()).isEqualTo(SessionState.READY);
        assertThat(reread.version()).isEqualTo(1);
        assertThat(audit(s.id())).hasSize(1);
    }

    @Test
    void aTransitionTheMachineRefusesIsNeverStored() {
        Session s = Fixtures.insert(store, reference, "a", SessionState.IDLE, t0);
        Session next = s.toBuilder().state(SessionState.BUSY).updatedAt(t0.plusSeconds(1)).build();
        assertThatThrownBy(() -> store.write(tx -> tx.saveSession(s, next, "alice", "send")))
                .isInstanceOf(WrongStateException.class)
                .hasMessageContaining("IDLE -> BUSY is not allowed");
        assertThat(find(s.id()).state()).isEqualTo(SessionState.IDLE);
        assertThat(audit(s.id())).hasSize(1);
    }

    @Test
    void twoWritersOnOneSessionAtOnceOneWinsTheOtherConflictsNothingIsLost() throws Exception {
        Session s = Fixtures.insert(store, reference, "contended", SessionState.READY, t0);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int wins = 0;
        try {
            for (int round = 0; round < 40; round++) {
                Session base = find(s.id());
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Session>> results = new ArrayList<>();
                for (String writer : List.of("alice", "bob")) {
                    Session mine = base.toBuilder().metadata("{\"writer\":\"" + writer + "\",\"round\":" + round + "}")
                            .updatedAt(t0.plusSeconds(round)).build();
                    results.add(pool.submit(() -> {
                        together.await();
                        return store.write(tx -> tx.saveSession(base, mine, writer, "round"));
                    }));
                }
                Session winner = null;
                int conflicts = 0;
                for (Future<Session> f : results) {
                    try {
                        winner = f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(ConflictException.class)
                                .hasMessageContaining("changed by another writer");
                        conflicts++;
                    }
                }
                assertThat(conflicts).as("round %d: exactly one writer conflicts", round).isEqualTo(1);
                assertThat(winner).isNotNull();
                wins++;
                Session stored = find(s.id());
                assertThat(stored.metadata()).isEqualTo(winner.metadata());
                assertThat(stored.version()).isEqualTo(base.version() + 1);
            }
        } finally {
            pool.shutdownNow();
        }
        // every accepted write left exactly one audit row; the refused ones left none
        long updates = audit(s.id()).stream()
                .filter(e -> e.kind().equals(AuditEvent.UPDATED)).count();
        assertThat(updates).isEqualTo(wins);
    }

    @Test
    void liveNamesAreUniqueAndADeletedSessionFreesItsName() {
        Session first = Fixtures.insert(store, reference, "dup", SessionState.IDLE, t0);
        assertThatThrownBy(() -> Fixtures.insert(store, reference, "dup", SessionState.IDLE, t0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("a live session named 'dup' already exists");
        store.write(tx -> tx.saveSession(first, first.toBuilder().deletedAt(t0).updatedAt(t0).build(), "alice", "delete"));
        Session second = Fixtures.insert(store, reference, "dup", SessionState.IDLE, t0);
        assertThat(store.<java.util.Optional<Session>>read(tx -> tx.findLiveSession("local", "dup"))).get().extracting(Session::id).isEqualTo(second.id());
        // the deleted one keeps its row and its history
        Session deleted = find(first.id());
        assertThat(deleted.deletedAt()).isEqualTo(t0);
        assertThat(audit(first.id())).extracting(AuditEvent::kind)
                .containsExactly(AuditEvent.CREATED, AuditEvent.DELETED);
        assertThat(list(false)).extracting(Session::id).containsExactly(second.id());
        assertThat(list(true)).hasSize(2);
    }

    @Test
    void aWriteOfManyChangesReachesTheFileAtItsCommitOnly() {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(Fixtures.insert(store, reference, "s" + i, SessionState.READY, t0));
        }
        long before = store.read(StoreTx::fileWrites);
        // 200 changes: 200 change numbers and 200 audit rows, each number drawn from an H2 sequence
        store.write(tx -> {
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < sessions.size(); i++) {
                    Session cur = sessions.get(i);
                    Session next = cur.toBuilder().metadata("{\"round\":" + round + "}").updatedAt(t0).build();
                    sessions.set(i, tx.saveSession(cur, next, "alice", "round " + round));
                }
            }
            return null;
        });
        // H2 writes a sequence's next block of numbers in a commit of its own, which also writes every
        // page dirty at that moment: with its default block of 32 this write reached the file ~13 times
        assertThat(store.read(StoreTx::fileWrites) - before).isLessThanOrEqualTo(3);
        assertThat(find(sessions.get(0).id()).version()).isEqualTo(51);
        assertThat(audit(sessions.get(0).id())).hasSize(51);
    }

    @Test
    void changesAreVisibleInOrderBySequence() {
        long start = store.read(StoreTx::lastChange);
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session b = Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        store.write(tx -> tx.saveSession(a, a.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "y"));
        List<StoreTx.ChangeHead> heads = store.read(tx -> tx.changeHeadsSince(start));
        assertThat(heads).extracting(StoreTx.ChangeHead::id).containsExactly(b.id(), a.id());
        assertThat(heads).extracting(StoreTx.ChangeHead::version).containsExactly(b.version(), a.version() + 1);
        List<StoreTx.Change> changes = store.read(tx -> tx.changesOf(List.of(a.id(), b.id())));
        assertThat(changes).extracting(c -> c.session().name()).containsExactly("b", "a");
        assertThat(changes).extracting(StoreTx.Change::seq).containsExactly(heads.get(0).seq(), heads.get(1).seq());
        assertThat(changes.get(1).session().state()).isEqualTo(SessionState.IDLE);
    }

    @Test
    void aChangeNumberIsNeverSeenBeforeALowerOneOfASlowerWrite() throws Exception {
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session b = Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        long start = store.read(StoreTx::lastChange);
        java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // a write that has taken its change number and is held up before it commits
            Future<Session> slow = pool.submit(() -> store.write(tx -> {
                Session s = tx.saveSession(a, a.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "slow");
                written.countDown();
                awaitQuietly(release);
                return s;
            }));
            written.await();
            Future<Session> fast = pool.submit(() -> store.write(tx ->
                    tx.saveSession(b, b.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "fast")));
            // the later write waits: nothing newer than the slow write's number is visible meanwhile
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(2))
                    .until(() -> !fast.isDone() && store.read(tx -> tx.changeHeadsSince(start)).isEmpty());
            release.countDown();
            slow.get();
            fast.get();
        } finally {
            release.countDown();
            pool.shutdown();
        }
        List<StoreTx.ChangeHead> heads = store.read(tx -> tx.changeHeadsSince(start));
        assertThat(heads).extracting(StoreTx.ChangeHead::id).containsExactly(a.id(), b.id());
    }

    @Test
    void aReadInsideAWriteCommitsNothingOfIt() {
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        assertThatThrownBy(() -> store.write(tx -> {
            tx.saveSession(a, a.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "half");
            store.read(inner -> inner.findSession(a.id())); // on this thread: the same handle as the write
            throw new IllegalStateException("the write fails after the read");
        })).hasMessageContaining("the write fails");
        assertThat(find(a.id()).state()).isEqualTo(SessionState.READY);
        assertThat(find(a.id()).version()).isEqualTo(a.version());
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void dueSessionsFollowTheirDeadlines() {
        Session ready = Fixtures.insert(store, reference, "ready", SessionState.READY, t0);
        Fixtures.insert(store, reference, "idle", SessionState.IDLE, t0);
        assertThat(due((t0.plusSeconds(299)))).isEmpty();
        assertThat(due((t0.plusSeconds(300)))).extracting(Session::id).containsExactly(ready.id());
        assertThat(due((t0.plusSeconds(86400)))).hasSize(2);
    }

    @Test
    void cacheIsAnEighthOfTheHeapWithinH2sDefaultAnd128Megabytes() {
        assertThat(Store.cacheKb(64L << 20)).as("small heap: H2's default").isEqualTo(16 * 1024);
        assertThat(Store.cacheKb(512L << 20)).isEqualTo(64 * 1024);
        assertThat(Store.cacheKb(8L << 30)).as("large heap: capped").isEqualTo(128 * 1024);
        int inUse;
        // a second connection in this JVM shares the open database
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(Store.url(dir, ";IFEXISTS=TRUE"), "pilothouse", "");
             java.sql.ResultSet rs = c.createStatement().executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'CACHE_SIZE'")) {
            rs.next();
            inUse = Integer.parseInt(rs.getString(1));
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThat(inUse).as("the open store's cache, in KB").isEqualTo(Store.CACHE_KB);
    }
}
