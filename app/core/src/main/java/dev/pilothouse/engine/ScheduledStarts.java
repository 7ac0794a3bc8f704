package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.guardrails.Verdict;
import dev.pilothouse.json.Json;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.session.Session;
import dev.pilothouse.store.StoreTx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Sessions that start later ({@code --at}, {@code --after}, a schedule's run): stored in INIT, phase
 * PENDING, with {@code scheduled_at} and no owner. When one falls due the engine that is up claims it
 * in the store (a version-checked write from pending to owned by this engine) and only then starts
 * it, so of the engines that own the data dir one after another exactly one starts it. A claimed
 * start cut short by a crash is what any interrupted start is: the next engine finds its owner dead
 * and puts it in ERROR (Lifecycle.settle), from where retry starts it.
 */
final class ScheduledStarts {
    private static final Logger log = LoggerFactory.getLogger(ScheduledStarts.class);
    /** The audit kind of a scheduled start's claim (audit_events.kind has no CHECK constraint). */
    static final String SCHEDULED = "scheduled";

    private final Engine engine;
    private final SessionLocks locks;
    private final Lifecycle lifecycle;

    ScheduledStarts(Engine engine, SessionLocks locks, Lifecycle lifecycle) {
        this.engine = engine;
        this.locks = locks;
        this.lifecycle = lifecycle;
    }

    /**
     * Stores a new session that waits for {@code draft.scheduledAt()}; nothing is started. Its
     * timer is set by the publish. {@code alsoInTx} runs in the same transaction (a schedule's claim).
     */
    Session insertPending(Session draft, List<AgentDefinition> defs, String actor, Verdict promptVerdict,
                          BiConsumer<StoreTx, Session> alsoInTx) {
        String when = Json.time(draft.scheduledAt());
        Session created = engine.store().write(tx -> {
            Session inserted = tx.insertSession(draft, defs, actor, "created by " + actor + "; starts at " + when,
                    Json.object().put("scheduled_at", when));
            SessionGuardrails.audit(tx, inserted.id(), draft.createdAt(), actor, promptVerdict, "starting prompt");
            if (alsoInTx != null) {
                alsoInTx.accept(tx, inserted);
            }
            return inserted;
        });
        engine.publish(new EngineEvent.SessionChanged(created));
        log.info("created session {} ({}), to start at {}", created.name(), created.id(), when);
        return created;
    }

    /** Starts a pending session whose time has come; any other session is returned as it is. */
    Session fireIfDue(Session s) {
        if (!s.pendingStart() || engine.now().isBefore(s.scheduledAt())) {
            return s;
        }
        return claimAndStart(s.id(), Engine.ENGINE_ACTOR, true);
    }

    /** Starts a pending session now, before its time (an operator's resume, or PUT state READY). */
    Session startNow(Session s, String actor) {
        return claimAndStart(s.id(), actor, false);
    }

    private Session claimAndStart(String id, String actor, boolean onlyIfDue) {
        InFlight.Start[] op = new InFlight.Start[1];
        Session claimed = locks.with(id, "starting it as scheduled", () -> {
            Instant now = engine.now();
            boolean[] mine = new boolean[1];
            String reason = onlyIfDue ? "scheduled start" : "started before its scheduled time by " + actor;
            Session c = engine.change(id, actor, reason, cur -> {
                // the claim: only a session still pending (no engine started it, nobody deleted it)
                mine[0] = cur.pendingStart() && (!onlyIfDue || !now.isBefore(cur.scheduledAt()));
                return mine[0] ? cur.toBuilder().owner(engine.owner()).lastActivityAt(now) : null;
            }, (tx, written) -> tx.audit(id, now, actor, SCHEDULED, null, null, reason + " (due "
                    + Json.time(written.scheduledAt()) + "): claimed by engine process " + engine.owner().split(":")[0],
                    Json.object().put("scheduled_at", Json.time(written.scheduledAt())).put("started_at", Json.time(now))));
            if (!mine[0]) {
                return c;
            }
            op[0] = lifecycle.beginStart(c.id());
            return c;
        });
        if (op[0] == null) {
            log.debug("scheduled start of {} not claimed here: {} {}", claimed.name(), claimed.state(),
                    claimed.owner() == null ? "" : "owned by " + claimed.owner());
            return claimed;
        }
        log.info("session {} ({}) starts as scheduled for {}", claimed.name(), id, claimed.scheduledAt());
        Session started = lifecycle.start(claimed, null, engine.runtime(claimed), "scheduled start", op[0]);
        return engine.deliverStartingPrompt(started, null, null).session();
    }

    /** Deletes a pending session: its start is cancelled; the row and its history stay. */
    Session cancel(Session s, String actor) {
        String reason = "scheduled start cancelled: deleted by " + actor;
        return engine.change(s.id(), actor, reason, cur -> {
            if (!cur.pendingStart()) {
                throw new WrongStateException("session '" + cur.name() + "' is " + cur.state()
                        + (cur.deleted() ? " and deleted" : " (starting)") + "; its scheduled start was not cancelled");
            }
            Instant now = engine.now();
            return cur.toBuilder().deletedAt(now).terminationReason(reason);
        });
    }
}
