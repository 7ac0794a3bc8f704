package dev.pilothouse.engine;

import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.StateMachine;
import dev.pilothouse.testing.AgentProcesses;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9, item 4: operators' commands racing each other on one session, with real reference
 * agents. Each race starts both commands at once (a barrier) many times; whatever order the engine
 * picks, the loser gets a WrongStateException or ConflictException, the session never lands in
 * ERROR because of the race, exactly one agent JVM runs for a READY session and none for an IDLE or
 * deleted one (counted from the machine's process table, not from the runtime's own records), and
 * the audit trail is one unbroken chain of allowed transitions ending in the session's state.
 *
 * <p>Every iteration's problems are collected and reported together, so a failure shows how often
 * and how each race went wrong.
 */
class SessionRaceTest extends EngineTestBase {
    private static final int ITERATIONS = Integer.getInteger("races.iterations", 8);
    private ExecutorService threads;
    private final List<String> problems = new ArrayList<>();

    @BeforeEach
    void threads() {
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** What one command of a race did: its result, or the exception it threw. */
    private record Outcome(Object value, Throwable error) {
        boolean ok() {
            return error == null;
        }

        boolean refused() {
            return error instanceof WrongStateException || error instanceof ConflictException;
        }
    }

    /** Runs both commands at once; the second starts after a random pause of up to 4 ms, so both orders occur. */
    private List<Outcome> race(Callable<?> a, Callable<?> b) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        boolean bLater = ThreadLocalRandom.current().nextBoolean();
        long jitter = ThreadLocalRandom.current().nextLong(4_000_000);
        Future<Object> fa = threads.submit(() -> {
            start.await();
            if (!bLater) {
                LockSupport.parkNanos(jitter); // deliberate skew between the two commands, not a wait for a condition
            }
            return a.call();
        });
        Future<Object> fb = threads.submit(() -> {
            start.await();
            if (bLater) {
                LockSupport.parkNanos(jitter);
            }
            return b.call();
        });
        List<Outcome> out = new ArrayList<>();
        for (Future<Object> f : List.of(fa, fb)) {
            try {
                out.add(new Outcome(f.get(120, TimeUnit.SECONDS), null));
            } catch (java.util.concurrent.ExecutionException e) {
                out.add(new Outcome(null, e.getCause()));
            }
        }
        return out;
    }

    private String message(int i) {
        // every other message takes a moment, so the other command lands while the reply is pending
        return i % 2 == 0 ? "$ echo reply-" + i : "$ sleep 0.3; echo reply-" + i;
    }

    private void problem(int i, String what) {
        problems.add("iteration " + i + ": " + what);
    }

    /** An outcome that is neither a success nor a clear refusal is a problem. */
    private void expectOkOrRefused(int i, String command, Outcome o) {
        if (!o.ok() && !o.refused()) {
            problem(i, command + " failed with " + o.error());
        }
        if (o.ok() && o.value() instanceof SendResult r) {
            String status = r.reply().status().name();
            if (status.equals("COMPLETE")) {
                if (!r.reply().content().contains("reply-")) {
                    problem(i, command + " got a reply without its output: " + r.reply().content());
                }
            } else if (!status.equals("CANCELLED")) {
                problem(i, command + " got a reply with status " + status + ": " + r.reply().error());
            }
        }
    }

    /** The session's state is legal and not ERROR, its agent processes match it, its trail is consistent. */
    private Session checkSettled(int i, String sessionId) {
        Session s = engine.session(sessionId);
        if (s.state() == SessionState.ERROR) {
            problem(i, "session in ERROR: " + s.terminationReason());
        }
        if (s.state() == SessionState.BUSY || s.state() == SessionState.INIT) {
            problem(i, "session left " + s.state() + " after both commands returned");
        }
        if (s.owner() != null) {
            problem(i, "session still owned by " + s.owner() + " in " + s.state());
        }
        List<Long> agents = AgentProcesses.of(sessionId);
        int expected = s.state() == SessionState.READY && !s.deleted() ? 1 : 0;
        if (agents.size() != expected) {
            problem(i, (s.deleted() ? "deleted " : "") + s.state() + " session has " + agents.size() + " agent JVMs "
                    + agents + " (expected " + expected + ")");
            // clean up, so the next iteration is judged on its own
            List<Long> recorded = local().pids(sessionId);
            agents.stream().filter(p -> ProcessHandle.of(p).flatMap(ProcessHandle::parent)
                            .map(parent -> !recorded.contains(parent.pid())).orElse(true))
                    .forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        }
        List<AuditEvent> transitions = engine.events(sessionId, 0, Engine.MAX_PAGE).stream()
                .filter(e -> e.kind().equals(AuditEvent.TRANSITION)).toList();
        SessionState at = SessionState.INIT;
        for (AuditEvent t : transitions) {
            if (t.from() != at || !StateMachine.allowed(t.from(), t.to())) {
                problem(i, "audit trail breaks at " + t.from() + ">" + t.to() + " (was " + at + "): " + t.reason());
            }
            at = t.to();
        }
        if (at != s.state()) {
            problem(i, "audit trail ends in " + at + " but the session is " + s.state());
        }
        List<Message> messages = engine.messages(sessionId, 0, null, Engine.MAX_PAGE);
        for (int m = 0; m < messages.size(); m++) {
            Message.Role expectedRole = m % 2 == 0 ? Message.Role.USER : Message.Role.AGENT;
            if (messages.get(m).role() != expectedRole) {
                problem(i, "conversation out of order at message " + m + ": " + messages.stream()
                        .map(x -> x.role() + "/" + x.status()).toList());
                break;
            }
        }
        if (messages.size() % 2 != 0) {
            problem(i, "a message has no reply recorded: " + messages.get(messages.size() - 1).content());
        }
        return s;
    }

    private LocalRuntime local() {
        return (LocalRuntime) engine.runtime(engine.sessions(true).get(0));
    }

    /** Brings the session to the state the next iteration starts from, after whatever the race did. */
    private void prepare(String name, SessionState wanted) {
        Session s = engine.session(name);
        if (s.state() == SessionState.ERROR) {
            s = engine.retry(name);
        }
        if (wanted == SessionState.READY && s.state() == SessionState.IDLE) {
            engine.resume(name);
        } else if (wanted == SessionState.IDLE && s.state() == SessionState.READY) {
            engine.pause(name);
        }
        assertThat(engine.session(name).state()).isEqualTo(wanted);
    }

    @Test
    void pauseRacingSendSettlesInOneOrder() throws Exception {
        Session s = engine.create(CreateRequest.of("pause-send", "reference"), null).session();
        for (int i = 0; i < ITERATIONS; i++) {
            SessionState from = i % 4 == 3 ? SessionState.IDLE : SessionState.READY;
            prepare("pause-send", from);
            String text = message(i);
            List<Outcome> o = race(() -> engine.pause("pause-send"), () -> engine.send("pause-send", null, text, null));
            expectOkOrRefused(i, "pause", o.get(0));
            expectOkOrRefused(i, "send", o.get(1));
            if (from == SessionState.READY && !o.get(0).ok()) {
                problem(i, "pause of a READY session was refused: " + o.get(0).error().getMessage());
            }
            checkSettled(i, s.id());
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void twoSendsAtOnceAreServedOneAtATime() throws Exception {
        Session s = engine.create(CreateRequest.of("two-sends", "reference"), null).session();
        for (int i = 0; i < ITERATIONS; i++) {
            SessionState from = i % 3 == 2 ? SessionState.IDLE : SessionState.READY;
            prepare("two-sends", from);
            int before = engine.messages("two-sends", 0, null, Engine.MAX_PAGE).size();
            String a = message(i);
            String b = message(i + 1);
            List<Outcome> o = race(() -> engine.send("two-sends", null, a, null), () -> engine.send("two-sends", null, b, null));
            expectOkOrRefused(i, "first send", o.get(0));
            expectOkOrRefused(i, "second send", o.get(1));
            long delivered = o.stream().filter(Outcome::ok).count();
            if (delivered == 0) {
                problem(i, "both sends were refused: " + o.get(0).error().getMessage() + " / " + o.get(1).error().getMessage());
            }
            int stored = engine.messages("two-sends", 0, null, Engine.MAX_PAGE).size() - before;
            if (stored != 2 * delivered) {
                problem(i, delivered + " sends delivered but " + stored + " messages stored");
            }
            Session after = checkSettled(i, s.id());
            if (after.state() != SessionState.READY) {
                problem(i, "two sends left the session " + after.state());
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void pauseRacingResumeSettlesInOneOrder() throws Exception {
        Session s = engine.create(CreateRequest.of("pause-resume", "reference"), null).session();
        for (int i = 0; i < ITERATIONS; i++) {
            SessionState from = i % 2 == 0 ? SessionState.IDLE : SessionState.READY;
            prepare("pause-resume", from);
            List<Outcome> o = race(() -> engine.pause("pause-resume"), () -> engine.resume("pause-resume"));
            expectOkOrRefused(i, "pause", o.get(0));
            expectOkOrRefused(i, "resume", o.get(1));
            if (o.stream().noneMatch(Outcome::ok)) {
                problem(i, "both pause and resume were refused: " + o.get(0).error().getMessage() + " / "
                        + o.get(1).error().getMessage());
            }
            checkSettled(i, s.id());
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void deleteRacingSendAlwaysDeletesAndLeavesNoAgent() throws Exception {
        int n = Math.max(1, ITERATIONS * 2 / 3);
        for (int i = 0; i < n; i++) {
            String name = "delete-send-" + i;
            Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
            if (i % 3 == 2) {
                engine.pause(name);
            }
            String text = message(i);
            List<Outcome> o = race(() -> engine.delete(name), () -> engine.send(s.id(), null, text, null));
            expectOkOrRefused(i, "delete", o.get(0));
            expectOkOrRefused(i, "send", o.get(1));
            if (!o.get(0).ok()) {
                problem(i, "delete was refused: " + o.get(0).error().getMessage());
            }
            Session after = checkSettled(i, s.id());
            if (o.get(0).ok() && !after.deleted()) {
                problem(i, "delete returned but the session is not deleted");
            }
        }
        assertThat(problems).isEmpty();
    }
}
