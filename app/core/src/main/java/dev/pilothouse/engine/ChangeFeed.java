package dev.pilothouse.engine;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.StoreTx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells listeners about session changes other processes wrote to the data dir, by polling the
 * store's change numbers.
 *
 * <p>Change numbers become visible in number order (the store writes one transaction at a time),
 * so each poll reads the change numbers after the last it saw, and whole sessions only for
 * versions not yet published (this engine's own writes are published when made).
 */
final class ChangeFeed {
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

    private final Engine engine;
    private final Map<String, Long> published = new ConcurrentHashMap<>();
    private long seen;

    ChangeFeed(Engine engine) {
        this.engine = engine;
    }

    synchronized void start() {
        seen = engine.store().read(StoreTx::lastChange);
    }

    /** Records a version this engine wrote or published itself; returns false if not newer. */
    boolean record(Session s) {
        Long[] before = new Long[1];
        published.compute(s.id(), (id, v) -> {
            before[0] = v;
            return v == null || s.version() > v ? s.version() : v;
        });
        return before[0] == null || s.version() > before[0];
    }

    synchronized void poll() {
        try {
            long from = seen;
            // heads first: the sessions this engine wrote itself (usually all) are never read back
            List<StoreTx.ChangeHead> heads = engine.store().read(tx -> tx.changeHeadsSince(from));
            long max = from;
            java.util.Set<String> unseen = new java.util.LinkedHashSet<>();
            for (StoreTx.ChangeHead h : heads) {
                max = Math.max(max, h.seq());
                Long known = published.get(h.id());
                if (known == null || h.version() > known) {
                    unseen.add(h.id());
                }
            }
            List<StoreTx.Change> changes = engine.store().read(tx -> tx.changesOf(unseen));
            for (StoreTx.Change c : changes) {
                max = Math.max(max, c.seq());
                Session s = c.session();
                if (record(s)) {
                    engine.publishFromFeed(s);
                    if (s.state() == SessionState.READY && s.context().equals(engine.context())) {
                        // another process started it: notice if its agents stop
                        engine.runtime(s).watch(s.id());
                    }
                }
            }
            seen = max;
        } catch (RuntimeException e) {
            log.warn("change feed poll failed: {}", e.getMessage());
        }
    }
}
