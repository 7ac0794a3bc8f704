package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.DuplicateException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.CronSchedule;
import dev.pilothouse.schedule.Schedule;
import dev.pilothouse.session.Validation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Recurring schedules: a session from a template each time a cron expression fires. A run is
 * claimed in the store by moving the schedule's {@code next_due_at} on from the due time it had, in
 * the transaction that stores the run's session (pending, due at once), which the engine then
 * starts as any scheduled start ({@link ScheduledStarts}): neither step can happen twice.
 *
 * <p>Runs that fell due while no engine was up are not replayed: the engine that finds them counts
 * them ("missed N runs between X and Y", on the schedule) and waits for the next one. A run at most
 * {@link #GRACE} late still starts: the data dir changing hands around a due time is not "no engine".
 */
final class Schedules {
    private static final Logger log = LoggerFactory.getLogger(Schedules.class);
    /** How late a run may still start; older due times are missed runs. */
    static final Duration GRACE = Duration.ofMinutes(1);
    /** Counting missed runs stops here (a minutely schedule a year behind). */
    private static final int MAX_COUNTED = 100_000;
    private static final DateTimeFormatter RUN_SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

    private final Engine engine;

    Schedules(Engine engine) {
        this.engine = engine;
    }

    /** Stores a schedule after checking everything a run needs: cron, time zone, template, parameters, agents. */
    Schedule create(String name, String template, Integer templateVersion, Map<String, String> parameters, String cron,
                    String timezone, String actor) {
        String n = Validation.name("schedule", name);
        if (n.length() > 49) {
            throw new InvalidInputException("schedule name '" + n + "' is longer than 49 characters; each run's session is "
                    + "named NAME-YYYYMMDD-HHMM, at most 63", "name");
        }
        CronSchedule c = CronSchedule.parse(cron, timezone);
        if (template == null || template.isBlank()) {
            throw new InvalidInputException("a schedule needs a template (--template NAME); templates: "
                    + engine.templates().stream().map(t -> t.name()).toList(), "template");
        }
        // what a run will do, tried now: an unknown template, parameter or agent is refused here, not at 2 am
        engine.fromTemplate(template, templateVersion, parameters);
        Instant now = engine.now();
        Schedule s = new Schedule(Validation.newId(), n, template, templateVersion, parameters, c.expression(),
                c.timezone(), false, c.next(now).orElseThrow(), null, null, null, 0, null, actor, now, now, null);
        engine.store().write(tx -> {
            if (tx.schedules().find(n).isPresent()) {
                throw new DuplicateException("a schedule named '" + n + "' already exists; choose another name or delete "
                        + "it first (`pilothouse schedules delete " + n + "`)");
            }
            tx.schedules().insert(s);
            return null;
        });
        log.info("schedule {} created: template {}, cron '{}' {}, next run {}", n, template, c.expression(), c.timezone(),
                s.nextDueAt());
        arm(s);
        return s;
    }

    List<Schedule> list() {
        return engine.store().read(tx -> tx.schedules().list());
    }

    Schedule get(String name) {
        return engine.store().read(tx -> tx.schedules().find(name)).orElseThrow(() -> new NotFoundException(
                "no schedule named '" + name + "'; schedules: " + list().stream().map(Schedule::name).toList()
                        + " (`pilothouse schedules create NAME --template T --cron '...'` makes one)"));
    }

    Schedule pause(String name) {
        Schedule s = get(name);
        if (s.paused()) {
            throw new WrongStateException("schedule '" + name + "' is already paused");
        }
        engine.store().write(tx -> {
            tx.schedules().setPaused(s.id(), true, null, engine.now());
            return null;
        });
        log.info("schedule {} paused", name);
        return get(name);
    }

    /** Resumes a paused schedule from now on: the runs it would have had while paused are not made up. */
    Schedule resume(String name) {
        Schedule s = get(name);
        if (!s.paused()) {
            throw new WrongStateException("schedule '" + name + "' is not paused");
        }
        Instant next = cron(s).next(engine.now()).orElse(null);
        engine.store().write(tx -> {
            tx.schedules().setPaused(s.id(), false, next, engine.now());
            return null;
        });
        log.info("schedule {} resumed, next run {}", name, next);
        Schedule resumed = get(name);
        arm(resumed);
        return resumed;
    }

    /** Soft delete; sessions it made stay as they are. */
    Schedule delete(String name) {
        Schedule s = get(name);
        engine.store().write(tx -> {
            tx.schedules().delete(s.id(), engine.now());
            return null;
        });
        log.info("schedule {} deleted", name);
        return s;
    }

    /** At open: every schedule looked at once (missed runs counted, a just-due run started), then timed. */
    void open() {
        for (Schedule s : list()) {
            engine.queue().add(new WorkKey.OfSchedule(s.id()));
        }
    }

    /** Has the work queue look at the schedule when its next run is due (background engines only). */
    private void arm(Schedule s) {
        if (engine.config().background() && !s.paused() && s.nextDueAt() != null) {
            Duration d = Duration.between(engine.now(), s.nextDueAt());
            engine.queue().addAfter(new WorkKey.OfSchedule(s.id()), d.isNegative() ? Duration.ZERO : d);
        }
    }

    /**
     * The work queue's handler for one schedule: a run due now is claimed and its session made (and
     * started by its own key); runs overdue by more than {@link #GRACE} are counted as missed. Returns
     * how long until the next run (null: none, or timers do not run in this engine).
     */
    Duration run(String id) {
        Schedule s = byId(id).orElse(null);
        if (s == null || s.paused() || s.nextDueAt() == null) {
            return null;
        }
        Instant now = engine.now();
        CronSchedule cron = cron(s);
        if (s.nextDueAt().isBefore(now.minus(GRACE))) {
            skipMissed(s, cron, now);
            s = byId(id).orElse(null);
        }
        if (s != null && !s.paused() && s.nextDueAt() != null && !s.nextDueAt().isAfter(now)) {
            fire(s, cron, s.nextDueAt(), now);
            s = byId(id).orElse(null);
        }
        if (s == null || s.paused() || s.nextDueAt() == null || !engine.config().background()) {
            return null;
        }
        Duration d = Duration.between(engine.now(), s.nextDueAt());
        return d.isNegative() ? Duration.ZERO : d;
    }

    private Optional<Schedule> byId(String id) {
        return engine.store().read(tx -> tx.schedules().list()).stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** Counts the runs due before {@code now - GRACE} and moves on to the first one after that. */
    private void skipMissed(Schedule s, CronSchedule cron, Instant now) {
        Instant first = s.nextDueAt();
        Instant last = first;
        Instant cutoff = now.minus(GRACE);
        int count = 1;
        Instant next = cron.next(first).orElse(null);
        while (next != null && next.isBefore(cutoff) && count < MAX_COUNTED) {
            last = next;
            count++;
            next = cron.next(next).orElse(null);
        }
        if (next != null && next.isBefore(cutoff)) {
            next = cron.next(cutoff).orElse(null); // gave up counting: go on from now
        }
        String gap = "missed " + (count >= MAX_COUNTED ? "at least " : "") + count + " run" + (count == 1 ? "" : "s")
                + " between " + Json.time(first) + " and " + Json.time(last) + " (no engine was up); not started";
        Instant moveTo = next;
        int counted = count;
        boolean done = engine.store().write(tx -> tx.schedules().skipMissed(s.id(), first, moveTo, counted, gap, now));
        if (done) {
            log.warn("schedule {}: {}", s.name(), gap);
            engine.publish(new EngineEvent.Notice(null, "schedule '" + s.name() + "' " + gap));
        }
    }

    /** Claims the run due at {@code due} and stores its session, pending and due, in one transaction. */
    private void fire(Schedule s, CronSchedule cron, Instant due, Instant now) {
        Instant next = cron.next(due.isAfter(now) ? due : now).orElse(null);
        String runName = s.name() + "-" + RUN_SUFFIX.format(due);
        Engine as = engine.as("schedule:" + s.name());
        try {
            CreateRequest r = as.fromTemplate(s.template(), s.templateVersion(), s.parameters());
            ObjectNode meta = (ObjectNode) Json.parse(r.metadata());
            meta.put("schedule", s.name());
            CreateRequest named = new CreateRequest(runName, r.context(), r.namespace(), r.agents(), r.startingPrompt(),
                    r.waitingTimeoutSeconds(), r.ttlSeconds(), Json.compact(meta), r.resources(), r.guardrails(),
                    r.agentConfig(), due);
            Engine.Started made = as.create(named, null, null, (tx, session) -> {
                if (!tx.schedules().claim(s.id(), due, next, now)) {
                    throw new AlreadyClaimed();
                }
                tx.schedules().recordRun(s.id(), session.id(), null, now);
            });
            log.info("schedule {}: run due {} made session {}", s.name(), due, runName);
            // started by its own key, in every engine (a command's engine has no timers)
            engine.queue().add(new WorkKey.OfSession(made.session().id()));
        } catch (AlreadyClaimed e) {
            log.info("schedule {}: run due {} was already claimed", s.name(), due);
        } catch (RuntimeException e) {
            // the run fails (template deleted, agent gone, name taken): recorded, and the schedule goes on
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            boolean claimed = engine.store().write(tx -> {
                if (!tx.schedules().claim(s.id(), due, next, now)) {
                    return false;
                }
                tx.schedules().recordRun(s.id(), null, "run due " + Json.time(due) + " failed: " + why, now);
                return true;
            });
            if (claimed) {
                log.warn("schedule {}: run due {} failed: {}", s.name(), due, why);
                engine.publish(new EngineEvent.Notice(null, "schedule '" + s.name() + "': run due " + Json.time(due)
                        + " failed: " + why));
            }
        }
    }

    private static CronSchedule cron(Schedule s) {
        return CronSchedule.parse(s.cron(), s.timezone());
    }

    /** Another engine (or an earlier look) claimed the run: the session insert is rolled back with it. */
    private static final class AlreadyClaimed extends RuntimeException {
        AlreadyClaimed() {
            super("already claimed", null, false, false);
        }
    }
}
