package dev.pilothouse.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.ToLongFunction;

/**
 * Group commit: writes that arrive while another write commits wait for it, and the thread that
 * commits next takes all of them into one H2 transaction, each inside its own savepoint. A write
 * still returns only once its transaction is committed (H2 writes it to the file before the commit
 * returns), and a write that fails is rolled back to its savepoint alone and fails alone.
 *
 * <p>Why: H2 writes one chunk of pages per commit, about 50 KB for a session update (its row, its
 * indexes, an audit row, the commit counter), and the changes of one commit share the pages they
 * have in common. Writes already ran one at a time (the commit counter's row is locked to the
 * commit, so change numbers become visible in order), each with a chunk of its own. H2's own group
 * commit ({@code WRITE_DELAY>0}) cannot tell a writer when its changes are in the file. Measured in
 * docs/performance.md (the watch benchmark): the committing thread is busy 93 % of the time, so
 * what one change costs it bounds the rate.
 *
 * <p>The waiting writers are combined by one of them, the combiner of the moment ("flat
 * combining"): no thread of its own, and a writer alone commits at once, as before.
 */
final class GroupCommit {
    /** Bounds one transaction; what is left waits for the next. */
    static final int MAX_BATCH = 64;

    /** Runs the body in one transaction on a store connection, again when the store reopened under it. */
    interface Transactions {
        void run(Consumer<Handle> body);
    }

    private final Transactions transactions;
    private final ToLongFunction<Handle> nextCommit;
    private final Function<JdbiException, RuntimeException> translate;
    private final LongConsumer committed;
    private final ConcurrentLinkedQueue<Job<?>> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock mutex = new ReentrantLock();
    /**
     * Signalled when a batch is committed or the combiner leaves: every waiter wakes at once. Woken
     * one after another, as in turn for a lock, they came back to fewer per batch (3.1 writes per
     * commit with 8 writers, against 4.4).
     */
    private final Condition turn = mutex.newCondition();
    /** The thread committing writes now, if any; only it touches the fields below. */
    private volatile Thread combiner;
    /** The transaction the combiner is running; a write nested in one of its writes joins it. */
    private Handle current;
    private volatile long batches;
    private volatile long written;
    private volatile long busyNanos;

    GroupCommit(Transactions transactions, ToLongFunction<Handle> nextCommit,
            Function<JdbiException, RuntimeException> translate, LongConsumer committed) {
        this.transactions = transactions;
        this.nextCommit = nextCommit;
        this.translate = translate;
        this.committed = committed;
    }

    <T> T write(Function<StoreTx, T> work) {
        if (combiner == Thread.currentThread()) {
            return nested(work);
        }
        Job<T> job = new Job<>(work);
        queue.add(job);
        mutex.lock();
        try {
            while (!job.done && combiner != null) {
                turn.awaitUninterruptibly();
            }
            if (job.done) {
                return job.outcome();
            }
            combiner = Thread.currentThread();
        } finally {
            mutex.unlock();
        }
        try {
            while (!job.done) {
                commitNext();
            }
        } finally {
            mutex.lock();
            try {
                combiner = null;
                turn.signalAll();
            } finally {
                mutex.unlock();
            }
        }
        return job.outcome();
    }

    /** Writes queued behind the one committing. */
    int waiting() {
        return queue.size();
    }

    /**
     * Transactions committed, writes in them, and the time combiners spent committing, since the
     * store opened: for benchmarks and diagnostics.
     */
    long[] counts() {
        return new long[] {batches, written, busyNanos};
    }

    private <T> T nested(Function<StoreTx, T> work) {
        if (current == null) {
            throw new IllegalStateException("a store write inside the commit of others");
        }
        return work.apply(new StoreTx(current));
    }

    private void commitNext() {
        long start = System.nanoTime();
        try {
            commitBatch();
        } finally {
            busyNanos += System.nanoTime() - start; // only the combiner writes it
        }
    }

    private void commitBatch() {
        List<Job<?>> batch = new ArrayList<>();
        for (Job<?> j; batch.size() < MAX_BATCH && (j = queue.poll()) != null; ) {
            batch.add(j);
        }
        if (batch.isEmpty()) {
            return;
        }
        long[] seq = new long[1];
        try {
            transactions.run(h -> {
                current = h;
                try {
                    // one commit number per transaction, taken first (see Store.write)
                    seq[0] = nextCommit.applyAsLong(h);
                    if (batch.size() == 1) {
                        batch.get(0).run(h); // alone, it needs no savepoint: what it throws ends the transaction
                    } else {
                        runEach(h, batch);
                    }
                } finally {
                    current = null;
                }
            });
        } catch (RuntimeException | Error e) {
            // nothing of the batch committed: each of its writes fails with the reason
            finished(batch, e);
            return;
        }
        batches++;
        written += batch.size();
        try {
            committed.accept(seq[0]);
        } finally {
            finished(batch, null); // committed: whatever the record of it does, nobody waits forever
        }
    }

    /** Tells the batch's writers, all at once, that their writes are done. */
    private void finished(List<Job<?>> batch, Throwable failure) {
        mutex.lock();
        try {
            for (Job<?> j : batch) {
                j.finish(failure);
            }
            turn.signalAll();
        } finally {
            mutex.unlock();
        }
    }

    private void runEach(Handle h, List<Job<?>> batch) {
        Connection c = h.getConnection();
        for (Job<?> job : batch) {
            Savepoint sp = savepoint(c);
            try {
                job.run(h);
            } catch (JdbiException e) {
                if (Store.databaseClosed(e)) {
                    throw e; // the whole transaction is gone: it runs again on the reopened store
                }
                rollback(c, sp);
                job.refused(translate.apply(e));
            } catch (RuntimeException e) {
                rollback(c, sp);
                job.refused(e);
            }
        }
    }

    private static Savepoint savepoint(Connection c) {
        try {
            return c.setSavepoint();
        } catch (SQLException e) {
            throw new org.jdbi.v3.core.transaction.TransactionException("cannot set a savepoint", e);
        }
    }

    private static void rollback(Connection c, Savepoint sp) {
        try {
            c.rollback(sp);
        } catch (SQLException e) {
            throw new org.jdbi.v3.core.transaction.TransactionException("cannot roll back to a savepoint", e);
        }
    }

    /** One caller's write and what became of it: set by the combiner, read by its writer once done. */
    private static final class Job<T> {
        private final Function<StoreTx, T> work;
        private T result;
        private RuntimeException refused;
        private Throwable failed;
        private boolean done;

        Job(Function<StoreTx, T> work) {
            this.work = work;
        }

        /** Runs the work; a transaction run again (the store reopened) runs it again from scratch. */
        void run(Handle h) {
            refused = null;
            result = work.apply(new StoreTx(h));
        }

        void refused(RuntimeException e) {
            result = null;
            refused = e;
        }

        void finish(Throwable failure) {
            failed = failure;
            done = true;
        }

        T outcome() {
            Throwable e = failed != null ? failed : refused;
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error r) {
                throw r;
            }
            return result;
        }
    }
}
