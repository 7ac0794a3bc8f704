package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.json.Json;
import dev.pilothouse.store.CommitCache;
import dev.pilothouse.store.StoreTx;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code GET /api/v0/watch}: every session change as an event {@code change} with the session's id,
 * name, state, phase and version, its event id the store's change number. A client resumes with
 * {@code Last-Event-ID} (or {@code ?since=}, e.g. a list's {@code change}) and misses nothing.
 *
 * <p>Change numbers become visible in number order (the store writes one transaction at a time),
 * so a stream that has sent change N reads from N on and never sends one twice.
 */
final class WatchApi {
    /** Streams a few changes apart read from the same multiple of this, sharing one read per commit. */
    static final long SHARED = 64;
    /**
     * A stream reads the store at most this often: at 800 commits/s ten streams reading on every
     * commit took more of the two cores than the writers; a change still reaches the client
     * within this gap of its commit.
     */
    static final long MIN_POLL_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final Streams streams;
    /** Subscribers woken by one commit read and encode its changes once between them. */
    private final CommitCache<Long, List<Change>> changes;

    /** A change as every stream sends it. */
    private record Change(long seq, EventStream.Prepared event) {
    }

    WatchApi(Streams streams, LongSupplier commits) {
        this.streams = streams;
        this.changes = new CommitCache<>(commits, 64);
    }

    void register(RoutesConfig r) {
        r.get("/api/v0/watch", this::watch);
    }

    private void watch(Context ctx) throws InterruptedException {
        Engine e = Auth.engine(ctx);
        Long since = Query.whole(ctx, "since", 0, Long.MAX_VALUE);
        String last = ctx.header("Last-Event-ID");
        if (last != null && !last.isBlank()) {
            // a change number, as the events' ids are: digits only (no sign), as the document's pattern says
            try {
                if (!last.strip().chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new NumberFormatException(last);
                }
                since = Long.parseLong(last.strip());
            } catch (NumberFormatException x) {
                throw ApiException.badRequest("Last-Event-ID is '" + last + "'; give the id of the last event received "
                        + "(a change number, a whole number from 0)", "Last-Event-ID");
            }
        }
        long from = since != null ? since : e.lastChange();
        Semaphore wake = new Semaphore(0);
        Runnable unsubscribe = e.subscribe(ev -> {
            if (ev instanceof EngineEvent.SessionChanged) {
                wake.release();
            }
        });
        java.util.concurrent.atomic.AtomicReference<Streams.Ending> ending = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable unregister = streams.add(Auth.token(ctx), why -> {
            ending.set(why);
            wake.release();
        });
        try {
            EventStream out = EventStream.open(ctx, 200);
            long seen = from;
            long quietSince = System.nanoTime();
            List<EventStream.Prepared> batch = new ArrayList<>();
            while (ending.get() == null && !out.broken()) {
                for (Change c : changes.get(lookFrom(seen), at -> encode(e.changesSince(at)))) {
                    if (c.seq() > seen) { // before: read for the streams that share this read, sent here before
                        seen = c.seq();
                        batch.add(c.event());
                    }
                }
                if (!batch.isEmpty()) {
                    out.send(batch);
                    batch.clear();
                    quietSince = System.nanoTime();
                }
                if (System.nanoTime() - quietSince > KEEP_ALIVE_NANOS) {
                    out.keepAlive();
                    quietSince = System.nanoTime();
                }
                long polled = System.nanoTime();
                wake.tryAcquire(1, TimeUnit.SECONDS);
                // commits that come faster than the gap are read together by the next poll
                long early = MIN_POLL_GAP_NANOS - (System.nanoTime() - polled);
                if (early > 0 && ending.get() == null) {
                    TimeUnit.NANOSECONDS.sleep(early);
                }
                wake.drainPermits();
            }
            Streams.Ending why = ending.get();
            if (why != null && why.shutdown()) {
                out.send("shutdown", Json.object().put("reason", "the server is stopping; reconnect with Last-Event-ID"),
                        null);
            } else if (why != null) {
                out.sendError(why.code(), why.message()); // its token was revoked or expired
            }
        } finally {
            unregister.run();
            unsubscribe.run();
        }
    }

    /**
     * Where a poll of a stream that has seen change {@code seen} starts: rounded down to a multiple
     * of {@link #SHARED} so that the streams woken by one commit, each a few changes apart, read the
     * same rows once between them (ten subscribers each reading their own rows per commit took
     * more of the cores than the writers did).
     */
    static long lookFrom(long seen) {
        return seen - seen % SHARED;
    }

    private static List<Change> encode(List<StoreTx.ChangeHead> heads) {
        List<Change> out = new ArrayList<>(heads.size());
        for (StoreTx.ChangeHead h : heads) {
            out.add(new Change(h.seq(), EventStream.Prepared.of("change", change(h), Long.toString(h.seq()))));
        }
        return out;
    }

    private static ObjectNode change(StoreTx.ChangeHead s) {
        return Json.object().put("id", s.id()).put("name", s.name()).put("context", s.context())
                .put("state", s.state().name()).put("phase", s.phase().name()).put("version", s.version())
                .put("deleted", s.deleted());
    }
}
