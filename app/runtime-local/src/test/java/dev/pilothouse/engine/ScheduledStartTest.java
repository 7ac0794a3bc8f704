package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.Schedule;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.AgentProcesses;
import dev.pilothouse.testing.EngineTestBase;
import dev.pilothouse.testing.ManualScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 3: sessions that start later and recurring schedules, with real reference agents,
 * timers on the test's clock, and engines handing the data dir on around the due time.
 */
class ScheduledStartTest extends EngineTestBase {

    private static final String TEMPLATE = """
            apiVersion: v1
            kind: SessionTemplate
            metadata:
              name: nightly-report
            spec:
              agents:
                - name: reference
              starting_prompt: "$ echo report for {{team}}"
              parameters:
                - name: team
            """;

    private ManualScheduler scheduler;

    private Engine background() {
        scheduler = new ManualScheduler(clock);
        engine.close(); // one engine per data dir: this one runs the timers
        return openEngine("alice", c -> c.withBackground(true).withScheduler(scheduler));
    }

    private static long count(Engine e, Session s, String kind) {
        return e.events(s.id(), 0, 1000).stream().filter(ev -> ev.kind().equals(kind)).count();
    }

    private static long readyTransitions(Engine e, Session s) {
        return e.events(s.id(), 0, 1000).stream()
                .filter(ev -> ev.kind().equals(AuditEvent.TRANSITION) && ev.to() == SessionState.READY).count();
    }

    @Test
    void aPendingSessionWaitsInInitAndStartsWhenDueFromTheQueue() {
        Engine e = background();
        Instant t0 = clock.instant();
        Session s = e.create(CreateRequest.of("later", "reference").withPrompt("$ echo started")
                .withScheduledAt(t0.plus(Duration.ofHours(2))), null).session();
        assertThat(s.state()).isEqualTo(SessionState.INIT);
        assertThat(s.phase()).isEqualTo(Phase.PENDING);
        assertThat(s.scheduledAt()).isEqualTo(t0.plus(Duration.ofHours(2)));
        assertThat(s.pendingStart()).isTrue();
        assertThat(s.ttlDeadline()).as("no TTL while it waits").isNull();
        assertThat(e.queue().delayedUntil(new WorkKey.OfSession(s.id()))).isEqualTo(t0.plus(Duration.ofHours(2)));

        scheduler.advance(Duration.ofMinutes(119));
        assertThat(e.session(s.id()).pendingStart()).isTrue();
        assertThat(AgentProcesses.of(s.id())).isEmpty();

        scheduler.advance(Duration.ofMinutes(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> e.messages(s.id(), 0, null, 10).size() >= 2);
        Session ready = e.session(s.id());
        assertThat(ready.state()).isEqualTo(SessionState.READY);
        assertThat(ready.scheduledAt()).as("kept: when it was meant to start").isEqualTo(t0.plus(Duration.ofHours(2)));
        assertThat(e.messages(s.id(), 0, null, 10)).extracting(Message::content).first().isEqualTo("$ echo started");
        assertThat(count(e, s, ScheduledStarts.SCHEDULED)).isEqualTo(1);
        assertThat(AgentProcesses.of(s.id())).hasSize(1);
    }

    @Test
    void aStartInThePastOrTooFarAheadIsRefusedAndNothingStored() {
        Instant now = clock.instant();
        assertThatThrownBy(() -> engine.create(CreateRequest.of("past", "reference").withScheduledAt(now.minusSeconds(1)), null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is in the past (it is now 2026-03-01T09:00:00Z)");
        assertThatThrownBy(() -> engine.create(CreateRequest.of("now", "reference").withScheduledAt(now), null))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine.create(CreateRequest.of("far", "reference")
                .withScheduledAt(now.plus(Duration.ofDays(400))), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("more than 366 days ahead");
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void resumeStartsAPendingSessionNowAndDeleteCancelsOne() {
        Instant due = clock.instant().plus(Duration.ofHours(5));
        Session early = engine.create(CreateRequest.of("early", "reference").withScheduledAt(due), null).session();
        Session cancelled = engine.create(CreateRequest.of("cancelled", "reference").withScheduledAt(due), null).session();

        Session started = engine.resume("early");
        assertThat(started.state()).isEqualTo(SessionState.READY);
        assertThat(engine.events(early.id(), 0, 100)).anyMatch(ev -> ev.kind().equals(ScheduledStarts.SCHEDULED)
                && ev.reason().startsWith("started before its scheduled time by alice"));

        Session deleted = engine.delete("cancelled");
        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.pendingStart()).isFalse();
        assertThat(deleted.terminationReason()).isEqualTo("scheduled start cancelled: deleted by alice");

        // its time comes: nothing starts it
        clock.advance(Duration.ofHours(6));
        engine.sweep();
        assertThat(engine.session(cancelled.id()).state()).isEqualTo(SessionState.INIT);
        assertThat(AgentProcesses.of(cancelled.id())).isEmpty();
        assertThat(count(engine, cancelled, ScheduledStarts.SCHEDULED)).isZero();
    }

    @Test
    void aScheduledStartFiresOnceWhileTheDataDirChangesHandsAroundTheDueTime() {
        Instant due = clock.instant().plus(Duration.ofMinutes(30));
        Session s = engine.create(CreateRequest.of("handover", "reference").withScheduledAt(due), null).session();
        engine.close(); // the first engine hands the data dir on before the due time

        clock.advance(Duration.ofMinutes(31));
        Engine second = openEngine("bob"); // the next owner finds it due at open and starts it
        assertThat(second.session(s.id()).state()).isEqualTo(SessionState.READY);
        // while it owns the data dir, another engine cannot open it, so cannot start it too
        assertThatThrownBy(() -> openEngine("carol")).isInstanceOf(DataDirInUseException.class);
        second.close(); // agents keep running for the next engine to adopt

        Engine third = openEngine("dave");
        Session after = third.session(s.id());
        assertThat(after.state()).isEqualTo(SessionState.READY);
        assertThat(count(third, s, ScheduledStarts.SCHEDULED)).as("claimed once").isEqualTo(1);
        assertThat(readyTransitions(third, s)).as("started once").isEqualTo(1);
        assertThat(AgentProcesses.of(s.id())).hasSize(1);
    }

    @Test
    void anEngineThatDiesAfterClaimingAStartLeavesAnInterruptedStartNotASecondOne() {
        Instant due = clock.instant().plus(Duration.ofMinutes(10));
        Session s = engine.create(CreateRequest.of("claimed", "reference").withScheduledAt(due), null).session();
        clock.advance(Duration.ofMinutes(10));
        // the claim as ScheduledStarts writes it, and then the engine is gone before it starts anything
        engine.change(s.id(), Engine.ENGINE_ACTOR, "scheduled start", cur -> cur.toBuilder().owner(engine.owner()));
        engine.close();

        Engine next = openEngine("bob");
        Session after = next.session(s.id());
        assertThat(after.state()).isEqualTo(SessionState.ERROR);
        assertThat(after.terminationReason()).startsWith("start-up interrupted: engine process");
        assertThat(AgentProcesses.of(s.id())).as("not started a second time").isEmpty();
        assertThat(dataDir.resolve("sessions").resolve(s.id()).resolve("workspace"))
                .as("the volume its start would have made").isEmptyDirectory();
        assertThat(next.retry("claimed").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void aCronScheduleStartsASessionFromItsTemplateEachTimeItFires() {
        Engine e = background();
        e.applyTemplate(TEMPLATE);
        Schedule made = e.createSchedule("nightly", "nightly-report", null, Map.of("team", "sales"), "0 2 * * *", null);
        assertThat(made.nextDueAt()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
        assertThat(made.timezone()).isEqualTo("UTC");

        scheduler.advance(Duration.between(clock.instant(), Instant.parse("2026-03-02T02:00:00Z")));
        await().atMost(Duration.ofSeconds(60)).until(() -> e.sessions(false).stream()
                .anyMatch(x -> x.name().equals("nightly-20260302-0200") && x.state() == SessionState.READY));
        Session run = e.session("nightly-20260302-0200");
        assertThat(Json.parse(run.metadata()).get("schedule").asText()).isEqualTo("nightly");
        assertThat(run.createdBy()).isEqualTo("schedule:nightly");
        await().atMost(Duration.ofSeconds(60)).until(() -> e.messages(run.id(), 0, null, 10).size() >= 2);
        assertThat(e.messages(run.id(), 0, null, 10).get(0).content()).isEqualTo("$ echo report for sales");
        Schedule after = e.schedule("nightly");
        assertThat(after.lastSessionId()).isEqualTo(run.id());
        assertThat(after.lastFiredAt()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
        assertThat(after.nextDueAt()).isEqualTo(Instant.parse("2026-03-03T02:00:00Z"));
        assertThat(after.missedRuns()).isZero();
    }

    @Test
    void runsMissedWhileNoEngineWasUpAreReportedNotReplayed() {
        engine.applyTemplate(TEMPLATE);
        engine.createSchedule("nightly", "nightly-report", null, Map.of("team", "ops"), "0 2 * * *", "Europe/Berlin");
        engine.close();
        // three 02:00 Berlin (01:00 UTC) runs pass with no engine up
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-03-04T09:00:00Z")));
        Engine next = openEngine("bob");
        await().atMost(Duration.ofSeconds(30)).until(() -> next.schedule("nightly").missedRuns() == 3);
        Schedule s = next.schedule("nightly");
        assertThat(s.lastMissed()).isEqualTo("missed 3 runs between 2026-03-02T01:00:00Z and 2026-03-04T01:00:00Z "
                + "(no engine was up); not started");
        assertThat(s.nextDueAt()).isEqualTo(Instant.parse("2026-03-05T01:00:00Z"));
        assertThat(s.lastSessionId()).isNull();
        assertThat(next.sessions(true)).isEmpty();
    }

    @Test
    void aCronExpressionThatNeverFiresOrABadTemplateIsRefusedAndNothingStored() {
        engine.applyTemplate(TEMPLATE);
        assertThatThrownBy(() -> engine.createSchedule("never", "nightly-report", null, Map.of("team", "x"),
                "0 0 30 2 *", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("never fires");
        assertThatThrownBy(() -> engine.createSchedule("bad", "nightly-report", null, Map.of("team", "x"),
                "61 * * * *", null))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("cron expression '61 * * * *' is not valid");
        assertThatThrownBy(() -> engine.createSchedule("nozone", "nightly-report", null, Map.of("team", "x"),
                "0 2 * * *", "Mars/Olympus"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("time zone 'Mars/Olympus' is not known");
        assertThatThrownBy(() -> engine.createSchedule("noparam", "nightly-report", null, Map.of(), "0 2 * * *", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs parameter team");
        assertThatThrownBy(() -> engine.createSchedule("notemplate", "missing", null, Map.of(), "0 2 * * *", null))
                .hasMessageContaining("no template named 'missing'");
        assertThat(engine.schedules()).isEmpty();

        engine.createSchedule("ok", "nightly-report", null, Map.of("team", "x"), "0 2 * * *", null);
        assertThatThrownBy(() -> engine.createSchedule("ok", "nightly-report", null, Map.of("team", "x"), "0 3 * * *", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("already exists");
        assertThat(engine.pauseSchedule("ok").paused()).isTrue();
        assertThat(engine.schedule("ok").nextDueAt()).isNull();
        assertThat(engine.resumeSchedule("ok").nextDueAt()).isEqualTo(Instant.parse("2026-03-02T02:00:00Z"));
        engine.deleteSchedule("ok");
        assertThat(engine.schedules()).isEmpty();
    }
}
