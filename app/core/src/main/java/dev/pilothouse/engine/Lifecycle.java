package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.guardrails.Direction;
import dev.pilothouse.guardrails.Guardrails;
import dev.pilothouse.guardrails.Verdict;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.ConnectionLoss;
import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.StartLimits;
import dev.pilothouse.runtime.Stop;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.StoreTx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * What happens to a session's runtime: starting it and waiting until its agents answer, carrying
 * a message and its reply, releasing it, the timers, and putting things right after a crash.
 *
 * <p>Every decision about a session (read the latest version, check, write, start or stop its
 * agents) runs under the session's lock ({@link SessionLocks}). The long waits (agents coming up,
 * a reply streaming) run outside it as {@link InFlight} work: a later decision cancels that work
 * and records what happened, so a pending reply or a slow start never blocks pause or delete.
 */
final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    /**
     * How often a starting agent that listens (it answers 503 until its ready line) is asked for
     * /healthz: the engine's share of start-up latency.
     */
    private static final long HEALTH_POLL_NANOS = 2_000_000;
    /**
     * How often an agent that does not listen yet is tried: its JVM is still starting (~0.3 s), it
     * answers 503 for a while once it listens, and each try costs the engine a failed connect on
     * the cores the starting agent needs.
     */
    private static final long CONNECT_POLL_NANOS = 5_000_000;
    private static final long SLOW_POLL_NANOS = 50_000_000;
    private static final long SLOW_START_NANOS = 2_000_000_000L;
    private static final long STATUS_LOOK_NANOS = 50_000_000;

    private final Engine engine;
    private final SessionLocks locks;
    private final InFlight inFlight = new InFlight();

    Lifecycle(Engine engine, SessionLocks locks) {
        this.engine = engine;
        this.locks = locks;
    }

    InFlight inFlight() {
        return inFlight;
    }

    private Session latest(String id) {
        return engine.store().read(tx -> tx.findSession(id))
                .orElseThrow(() -> new NotFoundException("session " + id + " does not exist"));
    }

    /** Whether this engine is doing long work on the session (owner written by this engine). */
    boolean ownedHere(Session s) {
        return engine.owner().equals(s.owner());
    }

    /** Owned by another engine process that is alive: its work, which this engine cannot cancel. */
    boolean ownedElsewhere(Session s) {
        return s.owner() != null && !ownedHere(s) && Owner.alive(s.owner());
    }

    /** Owned by an engine that is gone, or by this one with no work of it left in flight. */
    boolean orphaned(Session s) {
        return s.owner() != null && (ownedHere(s) ? !inFlight.has(s.id()) : !Owner.alive(s.owner()));
    }

    // ---- start --------------------------------------------------------------------------

    /**
     * Registers a start this engine is about to do. Call under the session's lock, together with
     * the write that made this engine the session's owner.
     */
    InFlight.Start beginStart(String sessionId) {
        InFlight.Start op = new InFlight.Start(sessionId);
        inFlight.put(op);
        engine.startDeadline(sessionId);
        return op;
    }

    /** Thrown inside a start when a later decision cancelled it. */
    private static final class StartCancelled extends Exception {
        StartCancelled() {
            super(null, null, false, false);
        }
    }

    /**
     * Starts the agents of a session this engine owns (INIT, IDLE being resumed, or BUSY being
     * restarted) and waits until every one answers and proves who it is; then READY. A failure
     * stops what was started and leaves ERROR with the reason. A pause, delete or retry meanwhile
     * cancels {@code op}: the start then stops where it is and leaves the canceller's decision.
     */
    Session start(Session s, List<AgentDefinition> known, SessionRuntime runtime, String verb, InFlight.Start op) {
        String id = s.id();
        List<AgentDefinition> defs = known != null ? known : engine.store().read(tx -> tx.agentSnapshots(id));
        long t0 = System.nanoTime();
        Session current;
        try {
            // launched under the lock, right after checking that the start is still wanted: a pause or
            // delete deciding meanwhile either comes first (nothing is launched) or stops what was
            current = locks.with(id, "starting its agents", () -> {
                Session cur = latest(id);
                if (op.cancelled() != null || !ownedHere(cur) || cur.deleted()) {
                    return null;
                }
                runtime.start(cur, defs);
                return cur;
            });
        } catch (OperationFailedException e) {
            return fail(id, runtime, op, e.getMessage());
        }
        if (current == null) {
            return abandoned(id, op);
        }
        long launched = System.nanoTime();
        try {
            // recorded while the agents boot, off the path to READY; a pod waiting to be scheduled is PENDING
            current = observePhase(current, runtime.observedPhase(id), op);
            current = waitHealthy(current, runtime, op);
        } catch (StartFailure | OperationFailedException e) {
            return fail(id, runtime, op, e.getMessage());
        } catch (StartCancelled e) {
            return abandoned(id, op);
        }
        long healthy = System.nanoTime();
        String reason = verb + ": " + defs.size() + " agent" + (defs.size() == 1 ? "" : "s") + " healthy after "
                + millis(healthy - t0) + " ms (launch " + millis(launched - t0) + " ms)";
        Session ready = locks.with(id, "recording its agents healthy", () -> {
            Session cur = latest(id);
            if (op.cancelled() != null) {
                return cur; // the canceller stopped the agents and decided
            }
            inFlight.remove(op);
            return engine.changeFrom(cur, Engine.ENGINE_ACTOR, reason, c -> ownedBuilder(c)
                    .map(b -> b.state(SessionState.READY).phase(Phase.RUNNING).owner(null).terminationReason(null)
                            .lastActivityAt(engine.now()))
                    .orElse(null));
        });
        if (ready.state() == SessionState.READY) {
            log.info("session {} READY in {} ms", ready.name(), millis(healthy - t0));
        }
        return ready;
    }

    private Session abandoned(String id, InFlight.Start op) {
        return locks.with(id, "abandoning a start", () -> {
            inFlight.remove(op);
            return latest(id);
        });
    }

    /** Records the start-up phase the runtime sees now (PENDING or INITIALIZING), if it changed. */
    private Session observePhase(Session s, Optional<Phase> observed, InFlight.Start op) {
        Phase seen = observed.filter(p -> p == Phase.PENDING).orElse(Phase.INITIALIZING);
        if (s.phase() == seen) {
            return s;
        }
        String why = seen == Phase.PENDING ? "waiting for the runtime to schedule the agents" : "starting agents";
        return locks.with(s.id(), "recording its start-up phase", () -> op.cancelled() != null ? s
                : engine.changeFrom(s, Engine.ENGINE_ACTOR, why, cur -> ownedBuilder(cur).map(b -> b.phase(seen)).orElse(null)));
    }

    private Optional<Session.Builder> ownedBuilder(Session cur) {
        return ownedHere(cur) && !cur.deleted() ? Optional.of(cur.toBuilder()) : Optional.empty();
    }

    private static final String INTERRUPTED = "start-up interrupted";

    /** A start failed: unless a later decision took over, its agents are stopped and the session is in ERROR. */
    private Session fail(String id, SessionRuntime runtime, InFlight.Start op, String reason) {
        // the store's file I/O and the stop's grace period need an uninterrupted thread; the flag is given back
        boolean interrupted = Thread.interrupted();
        try {
            // interrupted inside a store or runtime call, the reason names only what that call saw
            String why = interrupted && !reason.startsWith(INTERRUPTED) ? INTERRUPTED + " (" + reason + ")" : reason;
            return failUninterrupted(id, runtime, op, why);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Session failUninterrupted(String id, SessionRuntime runtime, InFlight.Start op, String reason) {
        return locks.with(id, "recording a failed start", () -> {
            Session cur = latest(id);
            if (op != null && op.cancelled() != null) {
                return cur;
            }
            if (op != null) {
                inFlight.remove(op);
            }
            if (!ownedHere(cur)) {
                return cur;
            }
            runtime.stop(id, Stop.failed(reason));
            log.warn("session {} failed to start: {}", cur.name(), reason);
            return engine.change(id, Engine.ENGINE_ACTOR, reason, c -> ownedHere(c)
                    ? c.toBuilder().state(SessionState.ERROR).phase(Phase.FAILED).owner(null).terminationReason(reason)
                    : null);
        });
    }

    private static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    /**
     * The deadlines of one start, counted fairly: on a runtime with start-up steps (a pod scheduled,
     * its images pulled) the health limit runs from when the runtime first sees the agents run,
     * and only a backstop from the start; otherwise the start timeout from the start.
     */
    private static final class Clocks {
        private final long start;
        private final Duration health;
        private final long backstop;
        private final Duration untilRunning;
        private long runningSince;
        private boolean running;

        Clocks(long start, Optional<StartLimits> limits, Duration startTimeout) {
            this.start = start;
            this.health = limits.map(StartLimits::health).orElse(startTimeout);
            this.untilRunning = limits.map(StartLimits::untilRunning).orElse(null);
            this.running = limits.isEmpty();
            this.runningSince = start;
            this.backstop = untilRunning == null ? Long.MAX_VALUE : start + untilRunning.plus(health).toNanos();
        }

        void observed(Optional<Phase> phase, long now) {
            if (!running && phase.orElse(null) == Phase.RUNNING) {
                running = true;
                runningSince = now;
            }
        }

        boolean running() {
            return running;
        }

        /** Null while in time; else what passed, in words ("within 120 s of their containers running"). */
        String late(long now) {
            if (running && now > runningSince + health.toNanos()) {
                return "within " + health.toSeconds() + " s" + (untilRunning == null ? "" : " of their containers running");
            }
            if (!running && now > backstop) {
                return "did not run within " + (backstop - start) / 1_000_000_000L + " s of the start";
            }
            return null;
        }
    }

    private Session waitHealthy(Session s, SessionRuntime runtime, InFlight.Start op) throws StartFailure, StartCancelled {
        long start = System.nanoTime();
        Clocks clocks = new Clocks(start, runtime.startLimits(), engine.config().startTimeout());
        AgentClient client = engine.agentClient();
        Set<String> healthy = new HashSet<>();
        Map<String, String> impostors = new HashMap<>();
        Session current = s;
        long nextLook = start + STATUS_LOOK_NANOS;
        while (healthy.size() < s.agents().size()) {
            if (op.cancelled() != null) {
                throw new StartCancelled();
            }
            boolean listening = false;
            for (SessionAgent a : s.agents()) {
                if (healthy.contains(a.name())) {
                    continue;
                }
                AgentClient.Health h = health(client, runtime, s.id(), a.name());
                listening |= h.kind() != AgentClient.HealthKind.DOWN;
                if (h.healthy()) {
                    healthy.add(a.name());
                    impostors.remove(a.name());
                } else if (h.kind() == AgentClient.HealthKind.IMPOSTOR) {
                    // never counted: keep waiting for the real agent, and say so if it never comes
                    if (impostors.put(a.name(), h.detail()) == null) {
                        log.warn("session {}: agent '{}': {}", s.name(), a.name(), h.detail());
                    }
                }
            }
            if (healthy.size() == s.agents().size()) {
                return current;
            }
            // a dead agent will never answer: look every ~50 ms rather than wait for the timeout
            long now = System.nanoTime();
            if (now >= nextLook) {
                nextLook = now + STATUS_LOOK_NANOS;
                for (AgentStatus st : runtime.status(s)) {
                    // UNKNOWN: the runtime cannot tell now (cluster unreachable); keep waiting until the deadline
                    if (st.kind() != AgentStatus.Kind.RUNNING && st.kind() != AgentStatus.Kind.UNKNOWN) {
                        String impostor = impostors.get(st.agent());
                        throw new StartFailure((impostor == null ? "" : "agent '" + st.agent() + "': " + impostor + "; ")
                                + Reasons.of(st, "during start-up"));
                    }
                }
                Optional<Phase> observed = runtime.observedPhase(s.id());
                clocks.observed(observed, now);
                current = observePhase(current, observed, op);
            }
            if (Thread.currentThread().isInterrupted()) {
                // parkNanos returns at once for an interrupted thread: go on and the loop spins hot until the deadline
                throw new StartFailure(INTERRUPTED + " while waiting for the agents to answer /healthz");
            }
            String late = clocks.late(System.nanoTime());
            if (late != null) {
                List<String> waiting = s.agents().stream().map(SessionAgent::name).filter(n -> !healthy.contains(n)).toList();
                StringBuilder why = new StringBuilder();
                for (String n : waiting) {
                    if (impostors.containsKey(n)) {
                        why.append("agent '").append(n).append("': ").append(impostors.get(n)).append("; ");
                    }
                }
                String progress = clocks.running() ? "" : runtime.startProgress(s.id()).map(p -> " (" + p + ")").orElse("");
                throw new StartFailure(why + "agents " + waiting + (clocks.running() ? " did not answer /healthz"
                        + (impostors.isEmpty() ? "" : " as themselves") + " " : " ") + late + progress);
            }
            // quick agents answer within milliseconds; a pod pulling its image takes seconds: poll less
            LockSupport.parkNanos(System.nanoTime() - start >= SLOW_START_NANOS ? SLOW_POLL_NANOS
                    : listening ? HEALTH_POLL_NANOS : CONNECT_POLL_NANOS);
        }
        return current;
    }

    /** How long a message waits for an agent whose container the runtime is restarting to answer again. */
    static final Duration RESTART_WAIT = Duration.ofSeconds(30);

    /** A reply cancelled (pause, delete, retry) while it waited for its agent's restart. */
    private static final class CancelledWhileWaiting extends RuntimeException {
        CancelledWhileWaiting() {
            super("cancelled while waiting for the agent's restart", null, false, false);
        }
    }

    /**
     * The agent's endpoint; while the runtime restarts its container (the kubelet restarting one
     * that exited: the session stays READY) it waits, up to {@link #RESTART_WAIT}, for it to answer
     * /healthz again. Holds no lock: a pause or delete meanwhile cancels the reply and ends the wait.
     */
    private static AgentEndpoint endpointOnceRestarted(SessionRuntime runtime, String id, String agent, InFlight.Reply reply) {
        long deadline = System.nanoTime() + RESTART_WAIT.toNanos();
        while (true) {
            try {
                return runtime.endpoint(id, agent);
            } catch (OperationFailedException e) {
                Optional<String> restarting = runtime.restarting(id, agent);
                if (restarting.isEmpty()) {
                    throw e;
                }
                if (System.nanoTime() > deadline) {
                    throw new OperationFailedException("agent '" + agent + "' did not answer again within "
                            + RESTART_WAIT.toSeconds() + " s while its container was being restarted (" + restarting.get()
                            + "): " + e.getMessage(), e);
                }
            }
            if (reply.cancelled() != null) {
                throw new CancelledWhileWaiting();
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            if (Thread.currentThread().isInterrupted()) {
                throw new OperationFailedException("interrupted while waiting for agent '" + agent + "' to be restarted");
            }
        }
    }

    /** How long a message waits for an agent busy with another message (it answers {@code 409}) to take it. */
    static final Duration BUSY_WAIT = Duration.ofSeconds(30);

    /** The agent stayed busy with another message for {@link #BUSY_WAIT}: this one was not delivered. */
    private static final class StillBusy extends Exception {
        StillBusy(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Sends the message to the agent and reads its reply. An agent still busy with another message
     * (one whose connection was lost and that it still works on, or one someone else sent it)
     * refuses with {@code 409} having taken nothing, so it is asked again until it takes the message,
     * up to {@link #BUSY_WAIT}: the operator sees a wait, never the agent's refusal.
     */
    private AgentClient.Reply deliver(SessionRuntime runtime, String id, String agent, InFlight.Reply reply, String content,
                                      Duration timeout, Consumer<AgentEvent> onEvent) throws AgentClient.PartialReplyException,
            AgentClient.ReplyTimeoutException, AgentClient.ReplyCancelledException, StillBusy {
        long deadline = System.nanoTime() + BUSY_WAIT.toNanos();
        boolean logged = false;
        while (true) {
            AgentEndpoint endpoint = endpointOnceRestarted(runtime, id, agent, reply);
            AgentClient.Reply r = engine.agentClient().send(endpoint, Long.toString(reply.sent.id()), id, content, timeout,
                    reply.exchange, onEvent);
            if (!reply.exchange.refusedBusy()) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new StillBusy("agent '" + agent + "' did not take the message: for " + BUSY_WAIT.toSeconds()
                        + " s it answered that it is still busy with another one (one whose reply was lost with its "
                        + "connection, or one sent to it from elsewhere); nothing was delivered: send it again once it is done");
            }
            if (!logged) {
                logged = true;
                log.info("session {}: agent '{}' is busy with another message; waiting up to {} s for it to take message #{}",
                        id, agent, BUSY_WAIT.toSeconds(), reply.sent.id());
            }
            if (reply.cancelled() != null) {
                throw new CancelledWhileWaiting();
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            if (Thread.currentThread().isInterrupted()) {
                throw new OperationFailedException("interrupted while waiting for agent '" + agent + "' to take the message");
            }
        }
    }

    /**
     * Why the session's agents are restarted after a connection lost mid-reply, or null: they are
     * not. They are when the agent had taken the message and lives on (only the way to it broke), so
     * it may still be at it and would refuse the next message; as after a reply timeout, restarting
     * ends that work (as a dropped ssh session hangs up its command). Not when the agent itself went
     * down (its runtime restarts it, or it crashed) or the runtime cannot be reached to restart it.
     */
    private static String orphaned(Session s, SessionRuntime runtime, String agent, InFlight.Reply reply,
                                   Optional<ConnectionLoss> loss) {
        if (!reply.exchange.taken() || reply.cancelled() != null || loss.isPresent() && !loss.get().agentWentOn()
                || !runtime.connection().connected()) {
            return null;
        }
        try {
            boolean running = runtime.status(s).stream().anyMatch(st -> st.agent().equals(agent)
                    && st.kind() == AgentStatus.Kind.RUNNING);
            return running ? "agents restarted after the connection to agent '" + agent + "' broke while it worked on a message"
                    : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Whether an agent answers /healthz as itself; an agent the runtime cannot route to yet does not. */
    private static AgentClient.Health health(AgentClient client, SessionRuntime runtime, String sessionId, String agent) {
        AgentEndpoint endpoint;
        try {
            endpoint = runtime.endpoint(sessionId, agent);
        } catch (OperationFailedException e) {
            return new AgentClient.Health(AgentClient.HealthKind.DOWN, e.getMessage());
        }
        return client.health(endpoint);
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    // ---- messages -----------------------------------------------------------------------

    /**
     * Delivers one message to a READY session's agent and stores its reply: READY, BUSY, READY. The
     * session's lock is held to go BUSY and to store the reply, not while the reply streams: a
     * pause, delete or retry meanwhile cancels it (see {@link #cancelWork}). A reply that does not
     * come within the agent's {@code reply_timeout_seconds} is abandoned and its agents restarted.
     */
    SendResult send(Session s, String agent, String content, String what, String actor, Consumer<AgentEvent> onReply) {
        return send(s, agent, content, what, actor, onReply, null, null);
    }

    /**
     * As above, for a message the session's guardrails have already passed: {@code mark} is what they
     * did to it (null: nothing), {@code verdict} the verdict whose hits are audited with the message
     * (null: audited already, or none). The reply is checked with the session's guardrails before it
     * is stored or shown; while they look at replies, its events are held and delivered, checked,
     * once it is whole (a secret may be split across deltas).
     */
    SendResult send(Session s, String agent, String content, String what, String actor, Consumer<AgentEvent> onReply,
                    Message.Guard mark, Verdict verdict) {
        String id = s.id();
        Guardrails guardrails = engine.guards().of(s);
        boolean hold = SessionGuardrails.checksReplies(guardrails);
        List<AgentEvent> held = new java.util.ArrayList<>();
        Duration timeout = engine.store().read(tx -> tx.agentSnapshots(id)).stream()
                .filter(d -> d.name().equals(agent)).findFirst().map(AgentDefinition::replyTimeout)
                .orElse(Duration.ofSeconds(AgentDefinition.DEFAULT_REPLY_TIMEOUT_SECONDS));
        Instant sentAt = engine.now();
        InFlight.Reply reply = locks.with(id, "sending a message", () -> {
            Message[] sent = new Message[1];
            try {
                engine.change(id, actor, what + " to agent '" + agent + "'", cur -> {
                    if (cur.state() != SessionState.READY || cur.deleted() || inFlight.has(id)) {
                        throw Engine.notReady(cur, "send a message to");
                    }
                    return cur.toBuilder().state(SessionState.BUSY).owner(engine.owner()).lastActivityAt(sentAt);
                }, (tx, written) -> {
                    sent[0] = tx.insertMessage(new Message(0, id, Message.Role.USER, agent, content,
                            Message.Status.COMPLETE, null, sentAt, null, mark));
                    SessionGuardrails.audit(tx, id, sentAt, actor, verdict, "message #" + sent[0].id() + " to agent '"
                            + agent + "'");
                });
            } catch (ConflictException e) {
                throw new WrongStateException("session '" + s.name() + "' kept changing while the message was being sent; "
                        + "nothing was sent: try again");
            }
            InFlight.Reply r = new InFlight.Reply(id, agent, sent[0], timeout, actor);
            r.guardrails = guardrails;
            inFlight.put(r);
            return r;
        });
        try {
            // BUSY and the message on disk before the agent hears of it: a store that cannot write fails here
            engine.store().sync();
        } catch (OperationFailedException e) {
            locks.run(id, "putting it back", () -> {
                inFlight.remove(reply);
                putBack(s, "the message could not be stored");
            });
            throw new OperationFailedException("the message was not sent: " + e.getMessage(), e);
        }
        SessionRuntime runtime = engine.runtime(s);
        InFlight.Outcome outcome;
        try {
            AgentClient.Reply r = deliver(runtime, id, agent, reply, content, timeout, ev -> {
                        reply.trace.add(ev, System.nanoTime());
                        if (hold) {
                            synchronized (held) {
                                held.add(ev);
                            }
                            return;
                        }
                        engine.publish(new EngineEvent.ReplyStreamed(id, agent, ev));
                        if (onReply != null) {
                            onReply.accept(ev);
                        }
                    });
            outcome = new InFlight.Outcome(r, false, null);
        } catch (AgentClient.ReplyCancelledException | CancelledWhileWaiting e) {
            outcome = null; // whoever cancelled it records it
        } catch (AgentClient.ReplyTimeoutException e) {
            outcome = new InFlight.Outcome(new AgentClient.Reply(e.partial(), "no reply from agent '" + agent + "' within "
                    + timeout.toSeconds() + " s (its reply_timeout_seconds): the message was abandoned and the session's "
                    + "agents restarted", null), false, "agents restarted after a reply timed out");
        } catch (StillBusy e) {
            outcome = new InFlight.Outcome(new AgentClient.Reply("", e.getMessage(), null), false, null);
        } catch (AgentClient.PartialReplyException | OperationFailedException e) {
            String partial = e instanceof AgentClient.PartialReplyException p ? p.partial() : reply.exchange.partial();
            // what the runtime learns of it first (a container restarted by Kubernetes, a dropped port-forward)
            Optional<ConnectionLoss> loss = runtime.connectionLost(id, agent, sentAt);
            // a killed agent's connection can break before its runtime reports the process gone: record()
            // looks at the status to tell a crash from a broken connection, so give it a moment to catch up
            awaitProcessSettled(s, runtime, agent);
            // the runtime's account beats the HTTP client's ("unexpected end of stream" says nothing of a forward);
            // an endpoint that could not be had is worded already
            String why = e instanceof AgentClient.PartialReplyException && loss.isPresent() ? loss.get().why()
                    : e.getMessage() + loss.filter(l -> !e.getMessage().contains(l.why())).map(l -> " (" + l.why() + ")").orElse("");
            String orphan = orphaned(s, runtime, agent, reply, loss);
            outcome = new InFlight.Outcome(new AgentClient.Reply(partial, "the connection to agent '" + agent
                    + "' failed: " + why + (orphan == null ? "" : "; the agent had taken the message and lived on, so the "
                    + "session's agents were restarted (it would refuse the next one while it still works on this)"), null),
                    orphan == null, orphan);
        } catch (RuntimeException e) {
            outcome = new InFlight.Outcome(new AgentClient.Reply(reply.exchange.partial(), "the reply from agent '" + agent
                    + "' could not be read: " + e, null), true, null);
        }
        if (outcome != null) {
            reply.outcome = outcome;
            reply.finish(); // false if a cancel came first: then the cancellation is what gets recorded
        }
        SendResult result;
        try {
            result = locks.with(id, "storing a reply", () -> record(reply, false));
            // acknowledged only once on disk: H2 would otherwise write it later, and a failure then reaches no one
            engine.store().sync();
            if (hold && result.reply().status() != Message.Status.CANCELLED) {
                List<AgentEvent> events;
                synchronized (held) {
                    events = List.copyOf(held);
                }
                for (AgentEvent ev : HeldReply.release(events, reply.replyVerdict)) {
                    engine.publish(new EngineEvent.ReplyStreamed(id, agent, ev));
                    if (onReply != null) {
                        onReply.accept(ev);
                    }
                }
            }
        } catch (OperationFailedException e) {
            AgentClient.Reply shown = reply.outcome != null ? reply.outcome.reply()
                    : new AgentClient.Reply(reply.exchange.partial(), "cancelled", null);
            return locks.with(id, "recording an unstored reply", () -> replyNotStored(s, agent, reply.sent, shown,
                    reply.attempted, engine.now(), e));
        }
        if (reply.restart != null && reply.restart.cancelled() == null) {
            Session restarted = start(result.session(), null, runtime, reply.outcome.restart(), reply.restart);
            result = new SendResult(restarted, result.message(), result.reply());
        }
        return result;
    }

    /**
     * Stores how a reply ended and frees the session, once, by whichever thread holds the session's
     * lock first after it ended: the sender, or a pause, delete or retry that cancelled it. With
     * {@code keepBusy} a cancelled reply leaves the session BUSY and owned (a retry restarts it).
     */
    private SendResult record(InFlight.Reply reply, boolean keepBusy) {
        if (reply.result != null) {
            return reply.result;
        }
        String id = reply.sessionId;
        String agent = reply.agent;
        InFlight.Cancel cancel = reply.cancelled();
        InFlight.Outcome o = reply.outcome;
        Instant at = engine.now();
        Message[] stored = new Message[1];
        Session after;
        inFlight.remove(reply);
        if (cancel != null) {
            String partial = reply.exchange.partial();
            String error = "cancelled by " + cancel.actor() + " (" + cancel.why() + ") while the reply was pending";
            Message m = guardReply(reply, new Message(0, id, Message.Role.AGENT, agent, partial, Message.Status.CANCELLED,
                    error, at));
            after = engine.change(id, cancel.actor(), "reply from agent '" + agent + "' cancelled by " + cancel.actor()
                    + " (" + cancel.why() + ")", cur -> {
                if (cur.state() != SessionState.BUSY || !ownedHere(cur)) {
                    return null;
                }
                Session.Builder b = cur.toBuilder().lastActivityAt(at);
                return keepBusy ? b : b.state(SessionState.READY).owner(null);
            }, (tx, written) -> stored[0] = reply.attempted = insertReply(tx, reply, m, at));
            log.info("session {}: reply from agent '{}' cancelled by {} ({})", after.name(), agent, cancel.actor(), cancel.why());
        } else if (o.restart() != null) {
            Message m = guardReply(reply, replyMessage(id, agent, o.reply(), at));
            after = engine.change(id, Engine.ENGINE_ACTOR, o.reply().error(), cur -> cur.state() == SessionState.BUSY
                    && ownedHere(cur) ? cur.toBuilder().phase(Phase.INITIALIZING).lastActivityAt(at) : null,
                    (tx, written) -> stored[0] = reply.attempted = insertReply(tx, reply, m, at));
            if (ownedHere(after) && after.state() == SessionState.BUSY) {
                // the agent may be stuck or still at the abandoned message: restart the session's agents (it stays
                // BUSY until they answer)
                try {
                    engine.runtime(after).stop(id);
                    reply.restart = beginStart(id);
                } catch (OperationFailedException e) {
                    // not stopped (a cluster gone meanwhile): READY as it was; a message it refuses meanwhile waits for it
                    log.warn("session {}: agents not restarted: {}", after.name(), e.getMessage());
                    after = engine.change(id, Engine.ENGINE_ACTOR, "agents not restarted: " + e.getMessage(),
                            cur -> cur.state() == SessionState.BUSY && ownedHere(cur) ? cur.toBuilder()
                                    .state(SessionState.READY).phase(Phase.RUNNING).owner(null) : null);
                }
            }
            log.warn("session {}: {}", after.name(), o.reply().error());
        } else {
            AgentClient.Reply r = o.reply();
            Session busy = latest(id);
            String crash = o.connectionFailed() ? crashOf(busy, engine.runtime(busy), agent) : null;
            AgentClient.Reply kept = crash != null ? new AgentClient.Reply(r.content(), crash, null, r.receivedChars()) : r;
            Message m = guardReply(reply, replyMessage(id, agent, kept, at));
            after = engine.change(id, reply.actor, crash != null ? crash
                    : r.failed() ? "reply from agent '" + agent + "' failed: " + r.error() : "reply from agent '" + agent + "'", cur -> {
                if (cur.state() != SessionState.BUSY || !ownedHere(cur)) {
                    return null;
                }
                Session.Builder b = cur.toBuilder().owner(null).lastActivityAt(at);
                return crash != null
                        ? b.state(SessionState.ERROR).phase(Phase.FAILED).terminationReason(crash)
                        : b.state(SessionState.READY);
            }, (tx, written) -> stored[0] = reply.attempted = insertReply(tx, reply, m, at));
            if (crash != null) {
                engine.runtime(after).stop(id, Stop.failed(crash));
            }
        }
        if (stored[0] == null) {
            // the session was taken from us (reconciled by another engine); keep the reply anyway
            Message m = guardReply(reply, cancel != null
                    ? new Message(0, id, Message.Role.AGENT, agent, reply.exchange.partial(), Message.Status.CANCELLED,
                    "cancelled by " + cancel.actor() + " (" + cancel.why() + ")", at)
                    : replyMessage(id, agent, o.reply(), at));
            stored[0] = reply.attempted = engine.store().write(tx -> insertReply(tx, reply, m, at));
        }
        reply.result = new SendResult(after, reply.sent, stored[0]);
        return reply.result;
    }

    /**
     * The reply as the session's guardrails let it be stored and shown: as it is; redacted (and
     * marked); or, blocked or refused, without any of its text, status ERROR and the verdict's words
     * as its error (a cancelled reply stays CANCELLED). The verdict is kept on the reply for its
     * audit events and for the events held back while it streamed. Called before the store write
     * that keeps the message, never inside it: a long reply's scan must not hold up the commits of
     * other sessions' writes.
     */
    private static Message guardReply(InFlight.Reply reply, Message m) {
        if (reply.guardrails == null) {
            return m;
        }
        Verdict v = reply.guardrails.check(Direction.TO_OPERATOR,
                m.sessionId(), m.agent(), m.content());
        reply.replyVerdict = v;
        if (v instanceof Verdict.Allowed) {
            return m;
        }
        Message.Guard mark = SessionGuardrails.mark(v);
        if (SessionGuardrails.turnedAway(v)) {
            String words = SessionGuardrails.words(v);
            String error = m.status() == Message.Status.CANCELLED || m.status() == Message.Status.ERROR
                    ? words + " (" + m.error() + ")" : words;
            Message.Status status = m.status() == Message.Status.CANCELLED ? Message.Status.CANCELLED : Message.Status.ERROR;
            return new Message(0, m.sessionId(), m.role(), m.agent(), "", status, error, m.createdAt(), null, mark);
        }
        return new Message(0, m.sessionId(), m.role(), m.agent(), v.deliverable().orElseThrow(), m.status(), m.error(),
                m.createdAt(), null, mark);
    }

    /** Stores a (checked) reply with the audit events of its guardrails' hits. */
    private static Message insertReply(StoreTx tx, InFlight.Reply reply, Message m, Instant at) {
        Message stored = tx.insertMessage(m);
        // the events' text only where the reply is stored as it came: guardrails that changed it keep it out
        boolean asItCame = reply.replyVerdict == null || reply.replyVerdict instanceof Verdict.Allowed;
        tx.insertTrace(reply.trace.events(stored.id(), asItCame));
        SessionGuardrails.audit(tx, reply.sessionId, at, Engine.ENGINE_ACTOR, reply.replyVerdict, "reply #" + stored.id()
                + " from agent '" + reply.agent + "'");
        return stored;
    }

    /**
     * The reply as stored. A reply longer than a stored message holds is kept up to the limit,
     * marked TRUNCATED and saying so, since the operator saw all of it stream.
     */
    private static Message replyMessage(String sessionId, String agent, AgentClient.Reply r, Instant at) {
        String cut = r.truncated() ? "the reply was " + r.receivedChars() + " characters; only the first "
                + AgentClient.MAX_REPLY_CHARS + " are stored (the limit for one message)" : null;
        Message.Status status = r.failed() ? Message.Status.ERROR : r.truncated() ? Message.Status.TRUNCATED
                : Message.Status.COMPLETE;
        String note = r.failed() ? r.error() + (cut == null ? "" : " (" + cut + ")") : cut;
        return new Message(0, sessionId, Message.Role.AGENT, agent, r.content(), status, note, at);
    }

    /**
     * The reply arrived (and streamed to the operator) but the store could not keep it: a full
     * disk, a damaged file. Unless it reached the disk after all, the failure is recorded in its
     * place and the session put back to READY, if the store can take that much; otherwise the
     * session stays BUSY on disk, and the next engine finds its owner gone and settles it (the
     * reply then shows as interrupted). Either way the operator hears that it was not stored.
     */
    private SendResult replyNotStored(Session s, String agent, Message sent, AgentClient.Reply r, Message attempted,
                                      Instant repliedAt, OperationFailedException cause) {
        String why = "the reply from agent '" + agent + "' arrived (" + r.content().length()
                + " characters) but could not be stored: " + cause.getMessage();
        log.error("session {}: {}", s.name(), why, cause);
        try {
            // on a reopened store: what is there now is what the disk holds
            Optional<Message> kept = attempted == null ? Optional.empty()
                    : engine.store().read(tx -> tx.messages(s.id(), attempted.id() - 1, null, 1)).stream()
                    .filter(m -> m.id() == attempted.id() && m.role() == Message.Role.AGENT
                            && m.content().equals(attempted.content())).findFirst();
            Session now = engine.store().read(tx -> tx.findSession(s.id())).orElseThrow();
            if (kept.isPresent() && now.state() != SessionState.BUSY) {
                log.info("session {}: the reply reached the disk after all", s.name());
                return new SendResult(now, sent, kept.get());
            }
            Message[] recorded = new Message[1];
            Message note = new Message(0, s.id(), Message.Role.AGENT, agent, "", Message.Status.ERROR, why, repliedAt);
            Session after = engine.change(s.id(), engine.actor(), why, cur -> cur.state() == SessionState.BUSY
                    && engine.owner().equals(cur.owner()) ? cur.toBuilder().state(SessionState.READY).owner(null)
                    .lastActivityAt(repliedAt) : null, (tx, written) -> recorded[0] = tx.insertMessage(note));
            if (recorded[0] == null) {
                recorded[0] = engine.store().write(tx -> tx.insertMessage(note));
            }
            engine.store().sync();
            return new SendResult(after, sent, recorded[0]);
        } catch (RuntimeException again) {
            log.warn("session {}: could not record that the reply was not stored either: {}", s.name(), again.toString());
            // BUSY, owned here, nothing in flight: the session's handler puts it right once the store
            // writes again (retried with backoff), as does the next command on it
            engine.settleSoon(s.id());
        }
        throw new OperationFailedException(why + "; nothing of it is in the conversation. Once the store can write "
                + "again (free space in " + engine.store().dataDir() + "), the next command puts session '" + s.name()
                + "' right: it is READY again, its agents restarted and the reply recorded as interrupted", cause);
    }

    /** Undoes BUSY after the message could not be stored, if the store takes that; else the next engine settles it. */
    private void putBack(Session s, String reason) {
        try {
            engine.change(s.id(), engine.actor(), reason, cur -> cur.state() == SessionState.BUSY
                    && engine.owner().equals(cur.owner()) ? cur.toBuilder().state(SessionState.READY).owner(null) : null);
            engine.store().sync();
        } catch (RuntimeException e) {
            log.warn("session {}: could not put it back to READY: {}", s.name(), e.toString());
            engine.settleSoon(s.id());
        }
    }

    /** How long a failed reply waits for the runtime to see whether its agent's process ended. */
    private static final java.time.Duration CRASH_SEEN_WITHIN = java.time.Duration.ofSeconds(1);

    /**
     * Waits, up to {@link #CRASH_SEEN_WITHIN}, while the runtime still reports {@code agent} RUNNING
     * after its connection failed: a process killed mid-reply closes the connection a little before
     * its runtime records the exit (the local runtime's wrapper writes it once its child is gone).
     * An agent that is really still running costs this wait, only on a reply that failed anyway.
     * Called outside the session's lock.
     */
    private static void awaitProcessSettled(Session s, SessionRuntime runtime, String agent) {
        long deadline = System.nanoTime() + CRASH_SEEN_WITHIN.toNanos();
        while (true) {
            boolean running;
            try {
                running = runtime.status(s).stream().anyMatch(st -> st.agent().equals(agent)
                        && st.kind() == AgentStatus.Kind.RUNNING);
            } catch (RuntimeException e) {
                return; // the runtime cannot say: record() decides with what it learns then
            }
            if (!running || System.nanoTime() >= deadline) {
                return;
            }
            try {
                Thread.sleep(50); // polling the runtime's status, for at most a second; it has nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Why an agent stopped answering, if it is because it is no longer running. */
    private static String crashOf(Session s, SessionRuntime runtime, String agent) {
        for (AgentStatus st : runtime.status(s)) {
            // UNKNOWN (an unreachable cluster) is no crash: the reply failed, the session stays READY
            if (st.agent().equals(agent) && st.kind() != AgentStatus.Kind.RUNNING && st.kind() != AgentStatus.Kind.UNKNOWN) {
                return Reasons.of(st, "while processing a message");
            }
        }
        return null;
    }

    // ---- cancelling work in flight ------------------------------------------------------

    /** What {@link #cancelWork} left: the latest version, and whether there was work to cancel. */
    record Ended(Session session, boolean cancelled) {
    }

    /**
     * Ends this engine's work in flight on the session so that an operator's decision can be taken:
     * a pending reply is cancelled (its HTTP call aborted, the message stored as CANCELLED with who
     * and why, BUSY back to READY), a start is cancelled (its agents stopped; a resume leaves IDLE,
     * a restart READY). Call under the session's lock. With {@code keepBusy} (retry) a cancelled
     * reply or restart leaves the session BUSY and owned, ready to be restarted.
     */
    Ended cancelWork(Session cur, String actor, String why, boolean keepBusy) {
        String id = cur.id();
        boolean any = false;
        for (Optional<InFlight.Op> next = inFlight.get(id); next.isPresent(); next = inFlight.get(id)) {
            any = true;
            InFlight.Op op = next.get();
            if (op instanceof InFlight.Reply r) {
                r.cancel(actor, why); // false when it had ended already: its outcome is recorded instead
                record(r, keepBusy);
                continue;
            }
            op.cancel(actor, why);
            inFlight.remove(op);
            Session s = latest(id);
            engine.runtime(s).stop(id);
            if (!ownedHere(s)) {
                continue;
            }
            String reason = switch (s.state()) {
                case IDLE -> "resume cancelled by " + actor + " (" + why + ")";
                case BUSY -> "restart of the agents cancelled by " + actor + " (" + why + ")";
                default -> "start-up cancelled by " + actor + " (" + why + ")";
            };
            engine.change(id, actor, reason, c -> {
                if (!ownedHere(c)) {
                    return null;
                }
                return switch (c.state()) {
                    case IDLE -> c.toBuilder().phase(Phase.PAUSED).owner(null).terminationReason(reason);
                    case BUSY -> keepBusy ? null : c.toBuilder().state(SessionState.READY).phase(Phase.PAUSED).owner(null);
                    case INIT -> c.toBuilder().state(SessionState.ERROR).phase(Phase.FAILED).owner(null).terminationReason(reason);
                    default -> c.toBuilder().owner(null);
                };
            });
        }
        return new Ended(latest(id), any);
    }

    /**
     * A session whose owner is gone (another engine died) or left no work in flight here: its
     * work is ended without restarting anything, so a pause, delete or retry can decide. Under the
     * session's lock. With {@code keepBusy} a lost reply leaves it BUSY and owned by this engine.
     */
    Session releaseOrphaned(Session s, boolean keepBusy) {
        if (!orphaned(s)) {
            return s;
        }
        String dead = ownedHere(s) ? "the work of this engine on it had stopped"
                : "engine process " + s.owner().split(":")[0] + " exited";
        if (s.state() == SessionState.BUSY && !s.deleted()) {
            String reason = "reply interrupted: " + dead + " before the reply was stored";
            Session claimed = claimLostReply(s, reason);
            if (keepBusy || !ownedHere(claimed)) {
                return claimed;
            }
            return engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> ownedHere(cur) && cur.state() == SessionState.BUSY
                    ? cur.toBuilder().state(SessionState.READY).phase(Phase.RUNNING).owner(null) : null);
        }
        return settleOrphanedWork(s, null);
    }

    // ---- release, timers ------------------------------------------------------------------

    /** Stops the runtime of a session whose new state no longer wants it. */
    void release(Session s) {
        engine.runtime(s).stop(s.id(), Stop.because(s.terminationReason()));
    }

    /** Applies the waiting timeout and the TTL if they are due at {@code now}; under the session's lock. */
    Session applyTimers(Session s, Instant now) {
        if (s.state() == SessionState.BUSY || s.deleted() || inFlight.has(s.id())) {
            return s;
        }
        if (s.ttlDeadline() != null && !now.isBefore(s.ttlDeadline())) {
            String reason = "TTL expired: no activity for " + s.ttlSeconds() + " s";
            Session done = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> {
                if (cur.state() == SessionState.BUSY || cur.deleted() || cur.completed()
                        || cur.ttlDeadline() == null || now.isBefore(cur.ttlDeadline()) || ownedElsewhere(cur)) {
                    return null;
                }
                Session.Builder b = cur.toBuilder().phase(Phase.COMPLETED).owner(null).terminationReason(reason);
                return cur.state() == SessionState.READY ? b.state(SessionState.IDLE) : b;
            });
            if (done.completed()) {
                release(done);
            }
            return done;
        }
        if (s.idleDeadline() != null && !now.isBefore(s.idleDeadline())) {
            String reason = "waiting timeout: no messages for " + s.waitingTimeoutSeconds() + " s";
            Session idle = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> {
                if (cur.state() != SessionState.READY || cur.deleted() || cur.idleDeadline() == null
                        || now.isBefore(cur.idleDeadline())) {
                    return null;
                }
                return cur.toBuilder().state(SessionState.IDLE).phase(Phase.PAUSED).terminationReason(reason);
            });
            if (idle.state() == SessionState.IDLE) {
                release(idle);
            }
            return idle;
        }
        return s;
    }

    // ---- remix copy ---------------------------------------------------------------------

    Session copyVolume(Session parent, Session child, VolumeCopy what, InFlight.Start op) {
        SessionRuntime runtime = engine.runtime(child);
        Session copying = locks.with(child.id(), "copying its volume", () -> engine.change(child.id(), Engine.ENGINE_ACTOR,
                "copying volume from '" + parent.name() + "'",
                cur -> ownedBuilder(cur).map(b -> b.phase(Phase.INITIALIZING)).orElse(null)));
        long t0 = System.nanoTime();
        long[] last = {0};
        try {
            runtime.copyVolume(parent.id(), child.id(), what, (bytes, total, files, fileTotal) -> {
                long now = System.nanoTime();
                // at most 20 progress events a second reach the listeners, and always the last one
                if (files == fileTotal || now - last[0] > 50_000_000) {
                    last[0] = now;
                    engine.publish(new EngineEvent.CopyProgressed(child.id(), bytes, total, files, fileTotal));
                }
            });
            // the messages and the record that the copy is complete in one transaction: a copy is
            // pending (and redone by a retry) until both are there, and never done twice
            int n = engine.store().write(tx -> {
                int copied = what.conversation() ? tx.copyMessages(parent.id(), child.id()) : 0;
                tx.audit(child.id(), engine.now(), Engine.ENGINE_ACTOR, AuditEvent.RUNTIME,
                        null, null, "volume copied from '" + parent.name() + "' in " + millis(System.nanoTime() - t0) + " ms",
                        Json.object().put(COPY_DONE, true).put("copy_workspace", what.workspace())
                                .put("copy_conversation", what.conversation()).put("messages", copied));
                return copied;
            });
            if (what.conversation()) {
                log.info("remix {}: copied {} messages", child.name(), n);
            }
            return copying;
        } catch (PilothouseException e) {
            return fail(child.id(), runtime, op, e.getMessage());
        }
    }

    /** The audit detail key that marks a remix's copy complete. */
    private static final String COPY_DONE = "volume_copied";

    /** What a remix still has to copy into a session, from which parent. */
    record PendingCopy(String parentId, VolumeCopy what) {
    }

    /**
     * The copy a remix still owes {@code s}: it was created by a remix whose copy never completed
     * (the engine died during it, or before it began). Read from its audit trail: the remix's
     * creation says what to copy, and the completed copy is recorded with the copied messages.
     */
    Optional<PendingCopy> pendingCopy(Session s) {
        if (s.parentSessionId() == null) {
            return Optional.empty();
        }
        List<AuditEvent> first = engine.store().read(tx -> tx.auditEvents(s.id(), 0, 100));
        PendingCopy pending = null;
        for (AuditEvent e : first) {
            JsonNode d = detail(e);
            if (e.kind().equals(AuditEvent.CREATED) && d.hasNonNull("parent_session_id") && d.has("copy_workspace")) {
                pending = new PendingCopy(d.get("parent_session_id").asText(),
                        new VolumeCopy(d.path("copy_workspace").asBoolean(), d.path("copy_conversation").asBoolean()));
            } else if (e.kind().equals(AuditEvent.RUNTIME) && (d.path(COPY_DONE).asBoolean()
                    || d.has("copy_workspace") && !d.has(COPY_DONE))) {
                return Optional.empty(); // copied (an older version recorded it without the marker)
            }
        }
        return Optional.ofNullable(pending);
    }

    private static JsonNode detail(AuditEvent e) {
        if (e.detail() == null || e.detail().isBlank()) {
            return Json.object();
        }
        try {
            return Json.MAPPER.readTree(e.detail());
        } catch (java.io.IOException ex) {
            return Json.object();
        }
    }

    /** Redoes a remix's interrupted copy (a retry), or fails saying why it cannot be redone. */
    Session redoCopy(Session child, PendingCopy pending, InFlight.Start op) {
        Optional<Session> parent = engine.store().read(tx -> tx.findSession(pending.parentId()));
        if (parent.isEmpty() || parent.get().purged()) {
            return fail(child.id(), engine.runtime(child), op, "the remix's copy from its parent was interrupted and cannot "
                    + "be redone: the parent session " + (parent.isEmpty() ? pending.parentId() + " is gone"
                    : "'" + parent.get().name() + "' was purged") + "; delete this session and remix again");
        }
        log.info("session {}: redoing the interrupted copy from '{}'", child.name(), parent.get().name());
        return copyVolume(parent.get(), child, pending.what(), op);
    }

    // ---- reconciliation -------------------------------------------------------------------

    /**
     * The work queue's handler for one session: brings its record in line with its runtime and
     * applies its timers, under its lock; work in flight here is left to the thread doing it.
     */
    Session reconcileSession(String id) {
        List<Runnable> later = new ArrayList<>();
        Session s = locks.with(id, "reconciling it", () -> {
            Optional<Session> found = engine.store().read(tx -> tx.findSession(id));
            if (found.isEmpty() || inFlight.has(id)) {
                return found.orElse(null);
            }
            Session cur = settle(found.get(), later);
            return inFlight.has(id) ? cur : applyTimers(cur, engine.now());
        });
        later.forEach(Runnable::run);
        return s;
    }

    /**
     * Settles one session of a context reconcile, under its lock. {@code listed} is the session as
     * the reconcile read it; it is settled as it is when {@code listing} knows it unchanged since, or
     * else when its version is still the stored one (every write moves the version), which saves
     * reading the row and its agents again for each session.
     */
    private Session settleListed(Session listed, SinceListing listing, List<Runnable> later) {
        String id = listed.id();
        return locks.with(id, "reconciling its context", () -> {
            Session cur;
            if (listing != null && listing.unchanged(listed)) {
                cur = listed;
            } else {
                Optional<Long> version = engine.store().read(tx -> tx.sessionVersion(id));
                cur = version.isPresent() && version.get() == listed.version() ? listed : latest(id);
            }
            return inFlight.has(id) ? cur : settle(cur, later);
        });
    }

    Engine.ReconcileReport reconcile(String context) {
        long t0 = System.nanoTime();
        SessionRuntime runtime = engine.runtime(context);
        List<String> adopted = new ArrayList<>(adoptDiscovered(context, runtime));
        long adopting = System.nanoTime() - t0;
        List<String> changed = new ArrayList<>();
        List<Runnable> later = new ArrayList<>();
        Set<String> known = new HashSet<>();
        SinceListing withRuntime = SinceListing.of(engine.store(), tx -> tx.sessionsWithRuntime(context));
        for (Session s : withRuntime.sessions()) {
            known.add(s.id());
            Session after = settleListed(s, withRuntime, later);
            if (after.version() != s.version()) {
                changed.add(s.name());
            } else if (after.state() == SessionState.READY) {
                adopted.add(s.name());
            }
        }
        if (runtime.shared()) {
            // every other session of the context: runs started elsewhere are adopted, lost volumes seen
            SinceListing all = SinceListing.of(engine.store(), tx -> tx.listSessions(context, false));
            for (Session s : all.sessions()) {
                if (known.add(s.id())) {
                    Session after = settleListed(s, all, later);
                    if (after.version() != s.version()) {
                        changed.add(after.name());
                    }
                }
            }
        }
        // sessions whose state wants no runtime but whose processes live on (a stop cut short)
        for (String id : runtime.volumes()) {
            if (known.contains(id)) {
                continue;
            }
            Optional<Session> s = engine.store().read(tx -> tx.findSession(id));
            if (s.isEmpty()) {
                continue;
            }
            if (runtime.shared()) {
                Session after = settleListed(s.get(), null, later);
                if (after.version() != s.get().version()) {
                    changed.add(after.name());
                }
            } else if (locks.with(id, "stopping leftover agents", () -> {
                Session cur = latest(id);
                boolean wanted = inFlight.has(id) || (cur.state() == SessionState.READY || cur.state() == SessionState.BUSY
                        || cur.state() == SessionState.INIT || cur.owner() != null) && !cur.deleted();
                if (wanted) {
                    return false;
                }
                boolean running = runtime.status(cur).stream().anyMatch(a -> a.kind() == AgentStatus.Kind.RUNNING);
                if (running) {
                    log.warn("session {} is {} but its agents still run; stopping them", cur.name(), cur.state());
                }
                // also when none is reported running: it finishes a stop cut short (see settleUnwanted)
                runtime.stop(id);
                return running;
            })) {
                changed.add(s.get().name());
            }
        }
        // restarts after interrupted replies, outside every lock
        later.forEach(Runnable::run);
        Set<String> orphans = engine.orphans(context);
        for (String o : orphans) {
            engine.publish(new EngineEvent.Notice(o, "volume " + o + " in context '" + context
                    + "' belongs to no session in the store; it was left untouched"));
        }
        if (!orphans.isEmpty()) {
            log.warn("orphaned volumes in context {}: {}", context, orphans);
        }
        long took = (System.nanoTime() - t0) / 1_000_000;
        if (took >= 1000 || !changed.isEmpty()) {
            log.info("context {}: reconciled in {} ms ({} ms adopting what the cluster had that the store did not), "
                    + "{} sessions settled, {} changed", context, took, adopting / 1_000_000, known.size(), changed.size());
        }
        return new Engine.ReconcileReport(adopted, changed, orphans);
    }

    /**
     * Sessions the runtime found on its own (by label, with their spec from annotations) that the
     * store does not know, created from another workstation: stored as they are now, with their
     * agents' definitions, and an audit row saying where they came from.
     */
    private List<String> adoptDiscovered(String context, SessionRuntime runtime) {
        // only what the store did not know a moment ago is described; asked again once described,
        // as a session this engine creates meanwhile is in both by then
        Set<String> before = engine.store().read(tx -> tx.sessionIds(context));
        List<DiscoveredSession> found = runtime.discovered(id -> !before.contains(id));
        if (found.isEmpty()) {
            return List.of();
        }
        Set<String> known = engine.store().read(tx -> tx.sessionIds(context));
        List<DiscoveredSession> ordered = adoptionOrder(found.stream().filter(d -> !known.contains(d.session().id())).toList());
        if (ordered.isEmpty()) {
            return List.of();
        }
        List<String> adopted = new ArrayList<>();
        Instant now = engine.now();
        for (int from = 0; from < ordered.size(); from += ADOPT_BATCH) {
            List<DiscoveredSession> batch = ordered.subList(from, Math.min(ordered.size(), from + ADOPT_BATCH));
            List<Session> written = engine.store().write(tx -> {
                List<Session> out = new ArrayList<>();
                for (DiscoveredSession d : batch) {
                    // adopted meanwhile as it appeared (adoptAppeared), which does not wait for a reconcile
                    if (tx.sessionVersion(d.session().id()).isEmpty()) {
                        out.add(adoptOne(tx, d, context, now));
                    }
                }
                return out;
            });
            for (Session s : written) {
                adopted.add(s.name());
                engine.publish(new EngineEvent.SessionChanged(s));
            }
        }
        if (adopted.isEmpty()) {
            return adopted;
        }
        log.info("context {}: adopted {} sessions found on the cluster", context, adopted.size());
        engine.publish(new EngineEvent.Notice(null, "adopted " + adopted.size() + " session"
                + (adopted.size() == 1 ? "" : "s") + " found in context '" + context + "' (created from another workstation)"));
        return adopted;
    }

    private static final int ADOPT_BATCH = 500;

    /**
     * Adopts one session whose objects appeared on a shared runtime while this engine watched, when
     * the store does not know it: one made on another workstation shows here within moments, not
     * at this engine's next start. Under the session's lock; returns the adopted session, or null
     * when there was nothing to adopt (a session of this store, or one the runtime cannot describe).
     */
    Session adoptAppeared(String context, String id) {
        // the informers' first list may still be told after they count as live: most that come are known
        if (engine.store().read(tx -> tx.sessionVersion(id)).isPresent()) {
            return null; // ours (a create, a resume), or adopted before
        }
        SessionRuntime runtime = engine.runtime(context);
        if (!runtime.shared()) {
            return null;
        }
        Session adopted = locks.with(id, "adopting it", () -> {
            Optional<DiscoveredSession> found = runtime.discoveredSession(id);
            if (found.isEmpty()) {
                return null;
            }
            Instant now = engine.now();
            // asked again in the write: a reconcile's adoption may have stored it meanwhile (it takes no
            // session's lock), and a session of this engine is stored before its objects are made
            return engine.store().write(tx -> tx.sessionVersion(id).isPresent() ? null : adoptOne(tx, found.get(), context, now));
        });
        if (adopted == null) {
            return null;
        }
        log.info("context {}: adopted session {} ({}) as it appeared on the cluster", context, adopted.name(), id);
        engine.publish(new EngineEvent.SessionChanged(adopted));
        engine.publish(new EngineEvent.Notice(adopted.id(), "adopted session '" + adopted.name() + "' found in context '"
                + context + "' (created from another workstation)"));
        return adopted;
    }

    /**
     * The order sessions are adopted in: parents before their children, so lineage within the
     * adopted set is kept (a cycle, which no order keeps, goes last), and otherwise by id. In id
     * order the store's indexes keyed by session id (its rows', agents' and audit rows') take each
     * batch in one stretch of their leaves; in the cluster's order each batch's commit rewrote
     * nearly every leaf (docs/performance.md, 20,000 sessions).
     */
    static List<DiscoveredSession> adoptionOrder(List<DiscoveredSession> found) {
        List<DiscoveredSession> fresh = new ArrayList<>(found);
        fresh.sort(java.util.Comparator.comparing(d -> d.session().id()));
        Set<String> pending = new HashSet<>();
        fresh.forEach(d -> pending.add(d.session().id()));
        List<DiscoveredSession> ordered = new ArrayList<>();
        while (!fresh.isEmpty()) {
            List<DiscoveredSession> waiting = new ArrayList<>();
            for (DiscoveredSession d : fresh) {
                String parent = d.session().parentSessionId();
                if (parent == null || !pending.contains(parent)) {
                    ordered.add(d);
                    pending.remove(d.session().id());
                } else {
                    waiting.add(d);
                }
            }
            if (waiting.size() == fresh.size()) {
                ordered.addAll(waiting);
                waiting.clear();
            }
            fresh = waiting;
        }
        return ordered;
    }

    private Session adoptOne(StoreTx tx, DiscoveredSession d, String context, Instant now) {
        Session s = d.session();
        String parent = s.parentSessionId();
        Session.Builder b = s.toBuilder();
        if (parent != null && tx.findSession(parent).isEmpty()) {
            // the parent never reached this store: keep the lineage in the audit detail only
            b.parentSessionId(null);
        }
        if (tx.liveNameTaken(context, s.name())) {
            String suffix = "-" + s.id().substring(0, Math.min(8, s.id().length()));
            String stem = s.name().length() + suffix.length() > 63 ? s.name().substring(0, 63 - suffix.length()) : s.name();
            b.name(stem.replaceAll("-+$", "") + suffix);
        }
        List<AgentDefinition> defs = new ArrayList<>();
        for (AgentDefinition a : d.agents()) {
            AgentDefinition withId = a.id() == null ? new AgentDefinition(dev.pilothouse.session.Validation.newId(),
                    a.name(), a.image(), a.command(), a.model(), a.instructions(), a.env(), a.port(), a.resources(),
                    a.createdAt(), a.updatedAt(), a.deletedAt(), a.replyTimeoutSeconds()) : a;
            tx.insertAgentCopy(withId, now);
            defs.add(withId);
        }
        Session draft = b.agents(defs.stream().map(a -> new SessionAgent(a.id(), a.name(), a.model(), a.image())).toList())
                .build();
        com.fasterxml.jackson.databind.node.ObjectNode detail = dev.pilothouse.json.Json.object()
                .put("adopted_from", "context " + context + ", namespace " + s.namespace())
                .put("created_by", s.createdBy())
                .put("parent_session_id", parent);
        return tx.insertSession(draft, defs, Engine.ENGINE_ACTOR, "adopted: found in context '" + context
                + "', namespace " + s.namespace() + " (created by " + s.createdBy() + " from another workstation)", detail);
    }


    /**
     * Brings one session's record in line with its runtime: adopts agents that run, turns agents
     * that stopped into IDLE (clean exit) or ERROR (crash), and finishes work whose owning engine
     * is gone. Work owned by a live engine is left to it. Under the session's lock. A reply lost
     * with its engine restarts the session's agents: that start is added to {@code later}, to be
     * run once the lock is released.
     */
    Session settle(Session s, List<Runnable> later) {
        if (orphaned(s)) {
            return settleOrphanedWork(s, later);
        }
        if (s.owner() != null) {
            // a live engine (maybe this one) is starting it or waiting on its reply
            return s;
        }
        SessionRuntime runtime = engine.runtime(s);
        boolean wantsRuntime = (s.state() == SessionState.READY || s.state() == SessionState.BUSY) && !s.deleted();
        List<AgentStatus> statuses = runtime.status(s);
        if (statuses.stream().anyMatch(a -> a.kind() == AgentStatus.Kind.UNKNOWN)) {
            // the runtime cannot tell now (an unreachable cluster): the session stays as it is
            return s;
        }
        boolean allRunning = !statuses.isEmpty() && statuses.stream().allMatch(a -> a.kind() == AgentStatus.Kind.RUNNING);
        boolean anyRunning = statuses.stream().anyMatch(a -> a.kind() == AgentStatus.Kind.RUNNING);
        if (!wantsRuntime) {
            return settleUnwanted(s, runtime, allRunning, anyRunning);
        }
        if (allRunning) {
            runtime.watch(s.id());
            return s.phase() == Phase.RUNNING ? s : engine.change(s.id(), Engine.ENGINE_ACTOR, "agents found running",
                    cur -> cur.version() == s.version() ? cur.toBuilder().phase(Phase.RUNNING) : null);
        }
        AgentStatus gone = statuses.stream().filter(a -> a.kind() != AgentStatus.Kind.RUNNING).findFirst().orElseThrow();
        boolean idledOut = gone.kind() == AgentStatus.Kind.EXITED && Integer.valueOf(0).equals(gone.exitCode())
                && s.state() == SessionState.READY;
        // a clean stop the runtime explains (stopped from another workstation, the TTL's deadline), else the agent's own
        // exit 0: its waiting timeout passed (a cluster's exit carries no words of its own, only the log it left)
        String reason = idledOut && runtime.shared() && gone.detail() != null && !gone.detail().isBlank()
                ? "agent '" + gone.agent() + "' stopped: " + gone.detail()
                : idledOut ? "agent '" + gone.agent() + "' exited by itself after its waiting timeout (exit 0): no message for "
                + s.waitingTimeoutSeconds() + " s"
                : Reasons.of(gone, null);
        Session after = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> {
            if (cur.version() != s.version()) {
                return null;
            }
            return cur.toBuilder().state(idledOut ? SessionState.IDLE : SessionState.ERROR).phase(idledOut ? Phase.PAUSED : Phase.FAILED)
                    .terminationReason(reason);
        });
        runtime.stop(s.id(), new Stop(reason, !idledOut));
        return after;
    }

    /**
     * A session whose state wants no runtime. Locally, agents still running are leftovers of a stop
     * cut short and are stopped, also those whose stop had begun. On a shared runtime (a cluster) they may have been started from
     * another workstation: an IDLE session whose agents all run, or one in ERROR whose agents all run
     * and answer /healthz, is adopted as READY, anything else is reported and left alone. A volume
     * that vanished puts an IDLE session in ERROR.
     */
    private Session settleUnwanted(Session s, SessionRuntime runtime, boolean allRunning, boolean anyRunning) {
        boolean open = !s.deleted() && !s.completed();
        if (!runtime.shared()) {
            // also when none is reported running: a stop cut short by a crash leaves its agents under a
            // "stopping" record that status does not count, and only a stop finishes it (one listing
            // of the run dir when there is nothing to stop)
            runtime.stop(s.id());
            if (anyRunning) {
                return s;
            }
        }
        if (anyRunning) {
            if (open && allRunning && s.state() == SessionState.IDLE) {
                return engine.change(s.id(), Engine.ENGINE_ACTOR, "agents found running (started from another "
                        + "workstation or a resume cut short): adopted", cur -> cur.version() == s.version()
                        ? cur.toBuilder().state(SessionState.READY).phase(Phase.RUNNING).terminationReason(null)
                        .lastActivityAt(engine.now()) : null);
            }
            if (open && allRunning && s.state() == SessionState.ERROR && allHealthy(s, runtime)) {
                // its pod runs again and its agents answer: resumed or retried from another workstation
                return engine.change(s.id(), Engine.ENGINE_ACTOR, "agents found running and healthy (resumed or retried "
                        + "from another workstation): adopted", cur -> cur.version() == s.version()
                        ? cur.toBuilder().state(SessionState.READY).phase(Phase.RUNNING).terminationReason(null)
                        .lastActivityAt(engine.now()) : null);
            }
            engine.publish(new EngineEvent.Notice(s.id(), "session '" + s.name() + "' is " + (s.deleted() ? "deleted"
                    : s.state().toString()) + " but its agents run in context '" + s.context()
                    + "'; they were left running (pause, delete or retry it to decide)"));
            return s;
        }
        if (open && s.state() == SessionState.IDLE) {
            Optional<String> lost = runtime.lostVolume(s.id());
            if (lost.isPresent()) {
                return engine.change(s.id(), Engine.ENGINE_ACTOR, lost.get(), cur -> cur.version() == s.version()
                        ? cur.toBuilder().state(SessionState.ERROR).phase(Phase.FAILED).terminationReason(lost.get()) : null);
            }
        }
        return s;
    }

    /**
     * The engine that was starting the session or waiting on its reply has died (or this engine's
     * work on it stopped without freeing it). With {@code later} null, a lost reply is not restarted.
     */
    private Session settleOrphanedWork(Session s, List<Runnable> later) {
        String dead = ownedHere(s) ? "the work of this engine on it had stopped"
                : "engine process " + s.owner().split(":")[0] + " exited";
        if (s.state() == SessionState.BUSY && !s.deleted() && later != null) {
            Session claimed = claimLostReply(s, "reply interrupted: " + dead + " before the reply was stored");
            if (ownedHere(claimed) && claimed.state() == SessionState.BUSY) {
                InFlight.Start op = beginStart(s.id());
                later.add(() -> start(claimed, null, engine.runtime(claimed), "agents restarted after an interrupted reply", op));
            }
            return claimed;
        }
        SessionRuntime runtime = engine.runtime(s);
        boolean allRunning = allHealthy(s, runtime);
        Session.Builder b;
        String reason;
        boolean stop = false;
        boolean prepareVolume = false;
        if (s.deleted()) {
            reason = dead + " during work on a deleted session";
            b = s.toBuilder().owner(null);
            stop = true;
            if (s.state() == SessionState.INIT || s.state() == SessionState.BUSY) {
                b.state(SessionState.ERROR).phase(Phase.FAILED).terminationReason(reason);
            }
        } else if (s.state() == SessionState.BUSY) {
            reason = "reply interrupted: " + dead + " before the reply was stored";
            b = s.toBuilder().state(SessionState.READY).owner(null);
        } else if (s.state() == SessionState.INIT || s.state() == SessionState.IDLE && s.phase() == Phase.INITIALIZING) {
            if (allRunning) {
                reason = "start-up finished after " + dead + ": agents found healthy";
                b = s.toBuilder().state(SessionState.READY).phase(Phase.RUNNING).owner(null).terminationReason(null);
            } else {
                Optional<PendingCopy> copy = s.state() == SessionState.INIT ? pendingCopy(s) : Optional.empty();
                reason = copy.isPresent() ? "remix interrupted: " + dead + " before the volume was copied from its "
                        + "parent; `pilothouse sessions retry " + s.name() + "` copies it again"
                        : "start-up interrupted: " + dead;
                stop = true;
                prepareVolume = s.state() == SessionState.INIT && copy.isEmpty();
                b = s.state() == SessionState.INIT
                        ? s.toBuilder().state(SessionState.ERROR).phase(Phase.FAILED).owner(null).terminationReason(reason)
                        : s.toBuilder().phase(Phase.PAUSED).owner(null).terminationReason(reason);
            }
        } else {
            reason = dead;
            b = s.toBuilder().owner(null);
        }
        if (stop) {
            runtime.stop(s.id());
        }
        if (prepareVolume) {
            // perhaps killed between storing the session and starting it: it gets the volume its start makes
            try {
                runtime.prepareVolume(s);
            } catch (RuntimeException e) {
                // its retry makes it then; the session's recovery goes on
                log.warn("session {}: cannot make its volume after an interrupted start: {}", s.name(), e.getMessage());
            }
        }
        Session.Builder edit = b;
        Session after = engine.change(s.id(), Engine.ENGINE_ACTOR, reason,
                cur -> cur.version() == s.version() ? edit : null);
        if (allRunning && !stop) {
            runtime.watch(s.id());
        }
        return after;
    }

    private boolean allHealthy(Session s, SessionRuntime runtime) {
        List<AgentStatus> statuses = runtime.status(s);
        return !statuses.isEmpty() && statuses.stream().allMatch(a -> a.kind() == AgentStatus.Kind.RUNNING)
                && s.agents().stream().allMatch(a -> health(engine.agentClient(), runtime, s.id(), a.name()).healthy());
    }

    /**
     * A reply whose engine died is lost, and the agent may still be working on it: the session
     * stays BUSY, now owned by this engine, and the lost reply is recorded against the agent the
     * last message went to. The caller restarts the agents or frees the session.
     */
    private Session claimLostReply(Session s, String reason) {
        Session claimed = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> cur.version() == s.version()
                ? cur.toBuilder().owner(engine.owner()).phase(Phase.INITIALIZING) : null);
        if (!ownedHere(claimed)) {
            return claimed;
        }
        String agent = engine.store().read(tx -> tx.messages(s.id(), 0, Long.MAX_VALUE, 1)).stream()
                .map(Message::agent).findFirst().orElse(s.leadAgent().name());
        engine.store().write(tx -> tx.insertMessage(new Message(0, s.id(), Message.Role.AGENT, agent, "",
                Message.Status.ERROR, reason, engine.now())));
        return claimed;
    }
}
