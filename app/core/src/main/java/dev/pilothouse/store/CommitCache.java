package dev.pilothouse.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Values read from the store, kept until its next commit: a read that repeats (the same session
 * polled by many clients, the pages of one listing, a token checked on every request) costs one
 * store read per commit, not one per request. The commit number is taken before the value is
 * read, so a kept value is never older than the commit it is kept for; any write empties the
 * cache. At most {@code capacity} values are kept per commit.
 */
public final class CommitCache<K, V> {
    private record Generation<K, V>(long commit, Map<K, V> values) {
    }

    private final LongSupplier commits;
    private final int capacity;
    private final AtomicReference<Generation<K, V>> current = new AtomicReference<>(new Generation<>(-1, Map.of()));

    /** @param commits the store's newest commit number ({@link Store#commitSeq()}) */
    public CommitCache(LongSupplier commits, int capacity) {
        this.commits = commits;
        this.capacity = capacity;
    }

    /** The value for {@code key} as of the store's newest commit: kept, or loaded now (not kept if it throws). */
    public V get(K key, Function<K, V> load) {
        long commit = commits.getAsLong();
        Generation<K, V> g = current.get();
        if (g.commit() != commit) {
            Generation<K, V> fresh = new Generation<>(commit, new ConcurrentHashMap<>());
            // an older generation never replaces a newer one
            g = current.accumulateAndGet(fresh, (old, made) -> old.commit() >= made.commit() ? old : made);
            if (g.commit() != commit) {
                return load.apply(key);
            }
        }
        V kept = g.values().get(key);
        if (kept != null) {
            return kept;
        }
        V loaded = load.apply(key);
        if (loaded != null && g.values().size() < capacity) {
            g.values().put(key, loaded);
        }
        return loaded;
    }
}
