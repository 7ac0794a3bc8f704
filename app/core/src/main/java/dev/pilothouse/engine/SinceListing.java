package dev.pilothouse.engine;

import dev.pilothouse.session.Session;
import dev.pilothouse.store.Store;
import dev.pilothouse.store.StoreTx;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A listing of sessions that can tell, for one session whose lock the caller holds, whether the
 * session changed since it was listed — without reading the store while nothing was written.
 * A reconcile settles every session of a context; reading each one's version again under its lock
 * was most of the time of a reconcile over 20,000 sessions (docs/performance.md).
 *
 * <p>Why it holds: a write returns only after its commit number is recorded ({@link Store#commitSeq()}),
 * so once the caller holds a session's lock, every write made under that lock is recorded. While
 * the recorded number is no newer than the one this listing's knowledge reflects, every such write
 * is in the listing or in the sessions known to have changed since. When it is newer, one read
 * learns which sessions changed since (their change numbers only grow).
 */
final class SinceListing {
    private final Store store;
    private final List<Session> sessions;
    /** The commit number the listing and {@link #changed} reflect at least. */
    private long commit;
    /** Change numbers up to this one are reflected in the listing or in {@link #changed}. */
    private long lastChange;
    private final Set<String> changed = new HashSet<>();

    private SinceListing(Store store, long commit, long lastChange, List<Session> sessions) {
        this.store = store;
        this.commit = commit;
        this.lastChange = lastChange;
        this.sessions = sessions;
    }

    /**
     * Lists with {@code list}, in one read: the commit number is read first and the newest change
     * number second, so that the listing reflects at least both.
     */
    static SinceListing of(Store store, java.util.function.Function<StoreTx, List<Session>> list) {
        return store.read(tx -> {
            long commit = tx.commitNumber();
            long lastChange = tx.lastChange();
            return new SinceListing(store, commit, lastChange, list.apply(tx));
        });
    }

    List<Session> sessions() {
        return sessions;
    }

    /**
     * Whether {@code listed} (from this listing) is still the session as stored. The caller holds
     * the session's lock. False means "not known": read it again.
     */
    synchronized boolean unchanged(Session listed) {
        if (store.commitSeq() > commit) {
            store.read(tx -> {
                commit = tx.commitNumber();
                for (StoreTx.ChangeHead h : tx.changeHeadsSince(lastChange)) {
                    changed.add(h.id());
                    lastChange = Math.max(lastChange, h.seq());
                }
                return null;
            });
        }
        return store.commitSeq() <= commit && !changed.contains(listed.id());
    }
}
