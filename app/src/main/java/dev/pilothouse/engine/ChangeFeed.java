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
 * the last few polls' range and drops versions it has already published.
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
            List<StoreTx.Change> changes = engine.store().read(tx -> tx.changesSince(from));
            long max = marks.peekLast();
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
