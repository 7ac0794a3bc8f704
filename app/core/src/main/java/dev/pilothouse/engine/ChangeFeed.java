package dev.pilothouse.engine;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.StoreTx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells listeners about session changes other processes wrote to the data dir, by polling the
 * store's change numbers.
 *
 * <p>Change numbers are taken when a write starts but become visible when it commits, so a
 * slow transaction can appear below numbers already read. Each poll therefore looks back over
 * the last few polls' range and drops versions it has already published; it reads only the
 * change numbers of that range, and whole sessions only for versions not yet published.
 */
final class ChangeFeed {
    private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
    private static final int LOOKBACK_POLLS = 6;

    private final Engine engine;
    private final Map<String, Long> published = new ConcurrentHashMap<>();
    private final Deque<Long> marks = new ArrayDeque<>();

    ChangeFeed(Engine engine) {
        this.engine = engine;
    }

    synchronized void start() {
        marks.clear();
        marks.add(engine.store().read(StoreTx::lastChange));
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
            long from = marks.peekFirst();
            // heads first: the sessions this engine wrote itself (usually all) are never read back
            List<StoreTx.ChangeHead> heads = engine.store().read(tx -> tx.changeHeadsSince(from));
            long max = marks.peekLast();
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
            marks.addLast(max);
            while (marks.size() > LOOKBACK_POLLS) {
                marks.removeFirst();
            }
        } catch (RuntimeException e) {
            log.warn("change feed poll failed: {}", e.getMessage());
        }
    }
}
