package dev.pilothouse.store;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.DuplicateException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Writes that wait for another are committed together, and each still commits or fails alone. */
class GroupCommitTest {
    @TempDir
    Path dir;
    Store store;
    AgentDefinition reference;
    final Instant t0 = Instant.parse("2026-01-20T10:00:00Z");
    final ExecutorService pool = Executors.newFixedThreadPool(5);
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() {
        store = Store.open(dir);
        reference = Fixtures.reference(store);
    }

    @AfterEach
    void close() {
        release.countDown();
        pool.shutdownNow();
        store.close();
    }

    @Test
    void writesThatWaitedCommitInOneTransactionAndAFailingOneTakesNothingWithIt() throws Exception {
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session b = Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        Session c = Fixtures.insert(store, reference, "c", SessionState.READY, t0);
        Session stale = store.write(tx -> tx.saveSession(c, c.toBuilder().updatedAt(t0.plusSeconds(1)).build(), "x", "newer"));
        long start = store.read(StoreTx::lastChange);
        long[] before = store.groupCommit().counts();

        CountDownLatch inside = new CountDownLatch(1);
        Future<Session> first = pool.submit(() -> store.write(tx -> {
            Session s = tx.saveSession(a, idle(a), "x", "holds the commit");
            inside.countDown();
            awaitQuietly(release);
            return s;
        }));
        inside.await();
        Future<Session> saved = pool.submit(() -> store.write(tx -> tx.saveSession(b, idle(b), "x", "waits")));
        await().until(() -> store.groupCommit().waiting() == 1);
        // a write that changes a row, then fails: its change goes with it
        Future<Session> duplicate = pool.submit(() -> store.write(tx -> {
            tx.saveSession(stale, stale.toBuilder().state(SessionState.IDLE).updatedAt(t0).build(), "x", "half");
            return Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        }));
        await().until(() -> store.groupCommit().waiting() == 2);
        Future<Session> conflict = pool.submit(() -> store.write(tx -> tx.saveSession(c, idle(c), "x", "an old version")));
        await().until(() -> store.groupCommit().waiting() == 3);
        release.countDown();

        assertThat(first.get().state()).isEqualTo(SessionState.IDLE);
        assertThat(saved.get().state()).isEqualTo(SessionState.IDLE);
        assertThatThrownBy(duplicate::get).hasCauseInstanceOf(DuplicateException.class)
                .hasMessageContaining("a live session named 'b' already exists");
        assertThatThrownBy(conflict::get).hasCauseInstanceOf(ConflictException.class);
        // the three that waited went into one transaction
        long[] after = store.groupCommit().counts();
        assertThat(after[0] - before[0]).isEqualTo(2);
        assertThat(after[1] - before[1]).isEqualTo(4);
        assertThat(find(c.id())).isEqualTo(stale);
        List<Session> live = store.read(tx -> tx.listSessions("local", false));
        assertThat(live).extracting(Session::name).containsExactlyInAnyOrder("a", "b", "c");
        // the changes of what committed, in the order written
        List<StoreTx.ChangeHead> heads = store.read(tx -> tx.changeHeadsSince(start));
        assertThat(heads).extracting(StoreTx.ChangeHead::id).containsExactly(a.id(), b.id());
        // store.seq records the commit the database holds: not one counted for a write that failed
        // (the store would refuse to open, as gone back), nor one missed
        long recorded = store.commitSeq();
        store.close();
        store = Store.open(dir);
        assertThat(store.commitSeq()).isEqualTo(recorded);
    }

    @Test
    void aWriteInsideAWriteIsPartOfIt() {
        Session a = Fixtures.insert(store, reference, "a", SessionState.READY, t0);
        Session b = Fixtures.insert(store, reference, "b", SessionState.READY, t0);
        assertThatThrownBy(() -> store.write(tx -> {
            tx.saveSession(a, idle(a), "x", "outer");
            store.write(inner -> inner.saveSession(b, idle(b), "x", "inner"));
            throw new IllegalStateException("the outer write fails");
        })).hasMessageContaining("the outer write fails");
        assertThat(find(a.id()).state()).isEqualTo(SessionState.READY);
        assertThat(find(b.id()).state()).isEqualTo(SessionState.READY);

        Session written = store.write(tx -> {
            tx.saveSession(a, idle(a), "x", "outer");
            return store.write(inner -> inner.saveSession(b, idle(b), "x", "inner"));
        });
        assertThat(find(a.id()).state()).isEqualTo(SessionState.IDLE);
        assertThat(written).isEqualTo(find(b.id()));
        // the commit number of the inner write that was rolled back with its outer one is not recorded
        long recorded = store.commitSeq();
        store.close();
        store = Store.open(dir);
        assertThat(store.commitSeq()).isEqualTo(recorded);
    }

    private Session idle(Session s) {
        return s.toBuilder().state(SessionState.IDLE).updatedAt(t0).build();
    }

    private Session find(String id) {
        return store.read(tx -> tx.findSession(id)).orElseThrow();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
