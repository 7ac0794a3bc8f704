package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.store.StoreTx;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * What happens to a session's runtime: starting it and waiting until its agents answer, carrying
 * a message and its reply, releasing it, the timers, and putting things right after a crash.
 */
final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);
    /** How often a starting agent is asked for /healthz: the engine's share of start-up latency. */
    private static final long HEALTH_POLL_NANOS = 2_000_000;
    private static final long SLOW_POLL_NANOS = 50_000_000;
    private static final long SLOW_START_NANOS = 2_000_000_000L;
    private static final long STATUS_LOOK_NANOS = 50_000_000;

    private final Engine engine;

    Lifecycle(Engine engine) {
        this.engine = engine;
    }

    // ---- start --------------------------------------------------------------------------

    /**
     * Starts the agents of a session this engine owns (INIT, or IDLE being resumed) and waits
     * until every one answers; then READY. A failure stops what was started and leaves ERROR
     * with the reason.
     */
    Session start(Session s, List<AgentDefinition> known, SessionRuntime runtime, String verb) {
        List<AgentDefinition> defs = known != null ? known : engine.store().read(tx -> tx.agentSnapshots(s.id()));
        long t0 = System.nanoTime();
        Session current = s;
        try {
            runtime.start(current, defs);
            long launched = System.nanoTime();
            // recorded while the agents boot, off the path to READY; a pod waiting to be scheduled is PENDING
            current = observePhase(current, runtime);
            current = waitHealthy(current, runtime);
            long healthy = System.nanoTime();
            String reason = verb + ": " + defs.size() + " agent" + (defs.size() == 1 ? "" : "s") + " healthy after "
                    + millis(healthy - t0) + " ms (launch " + millis(launched - t0) + " ms)";
            Session ready = engine.changeFrom(current, Engine.ENGINE_ACTOR, reason, cur -> ownedBuilder(cur)
                    .map(b -> b.state(SessionState.READY).phase(Phase.RUNNING).owner(null).terminationReason(null)
                            .lastActivityAt(engine.now()))
                    .orElse(null));
            if (ready.state() != SessionState.READY) {
                // someone else decided meanwhile (a delete, another engine): leave their decision
                return ready;
            }
            log.info("session {} READY in {} ms", ready.name(), millis(healthy - t0));
            return ready;
        } catch (StartFailure | OperationFailedException e) {
            // the store's file I/O and the stop's grace period need an uninterrupted thread; the flag is given back
            boolean interrupted = Thread.interrupted();
            try {
                return fail(current, runtime, e.getMessage());
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Records the start-up phase the runtime sees now (PENDING or INITIALIZING), if it changed. */
    private Session observePhase(Session s, SessionRuntime runtime) {
        Phase seen = runtime.observedPhase(s.id()).filter(p -> p == Phase.PENDING).orElse(Phase.INITIALIZING);
        if (s.phase() == seen) {
            return s;
        }
        String why = seen == Phase.PENDING ? "waiting for the runtime to schedule the agents" : "starting agents";
        return engine.changeFrom(s, Engine.ENGINE_ACTOR, why, cur -> ownedBuilder(cur)
                .map(b -> b.phase(seen)).orElse(null));
    }

    private Optional<Session.Builder> ownedBuilder(Session cur) {
        return engine.owner().equals(cur.owner()) && !cur.deleted() ? Optional.of(cur.toBuilder()) : Optional.empty();
    }

    private Session fail(Session s, SessionRuntime runtime, String reason) {
        runtime.stop(s.id());
        log.warn("session {} failed to start: {}", s.name(), reason);
        return engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> {
            if (!engine.owner().equals(cur.owner())) {
                return null;
            }
            return cur.toBuilder().state(SessionState.ERROR).phase(Phase.PAUSED).owner(null).terminationReason(reason);
        });
    }

    private static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    private Session waitHealthy(Session s, SessionRuntime runtime) throws StartFailure {
        long start = System.nanoTime();
        long deadline = start + engine.config().startTimeout().toNanos();
        AgentClient client = engine.agentClient();
        Set<String> healthy = new HashSet<>();
        Session current = s;
        long nextLook = start + STATUS_LOOK_NANOS;
        while (healthy.size() < s.agents().size()) {
            for (SessionAgent a : s.agents()) {
                if (!healthy.contains(a.name()) && healthy(client, runtime, s.id(), a.name())) {
                    healthy.add(a.name());
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
                        throw new StartFailure(Reasons.of(st, "during start-up"));
                    }
                }
                current = observePhase(current, runtime);
            }
            if (Thread.currentThread().isInterrupted()) {
                // parkNanos returns at once for an interrupted thread: go on and the loop spins hot until the deadline
                throw new StartFailure("start-up interrupted while waiting for the agents to answer /healthz");
            }
            if (System.nanoTime() > deadline) {
                List<String> waiting = s.agents().stream().map(SessionAgent::name).filter(n -> !healthy.contains(n)).toList();
                throw new StartFailure("agents " + waiting + " did not answer /healthz within "
                        + engine.config().startTimeout().toSeconds() + " s");
            }
            // quick agents answer within milliseconds; a pod pulling its image takes seconds: poll less
            LockSupport.parkNanos(System.nanoTime() - start < SLOW_START_NANOS ? HEALTH_POLL_NANOS : SLOW_POLL_NANOS);
        }
        return current;
    }

    /** Whether an agent answers /healthz; an agent the runtime cannot route to yet does not. */
    private static boolean healthy(AgentClient client, SessionRuntime runtime, String sessionId, String agent) {
        AgentEndpoint endpoint;
        try {
            endpoint = runtime.endpoint(sessionId, agent);
        } catch (OperationFailedException e) {
            return false;
        }
        return client.healthy(endpoint);
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    // ---- messages -----------------------------------------------------------------------

    /** Delivers one message to a READY session's agent and stores its reply: READY, BUSY, READY. */
    SendResult send(Session s, String agent, String content, String what, Consumer<AgentEvent> onReply) {
        Instant sentAt = engine.now();
        Message[] sent = new Message[1];
        Session busy;
        try {
            busy = engine.change(s.id(), engine.actor(), what + " to agent '" + agent + "'", cur -> {
                if (cur.state() != SessionState.READY || cur.deleted()) {
                    throw Engine.notReady(cur, "send a message to");
                }
                return cur.toBuilder().state(SessionState.BUSY).owner(engine.owner()).lastActivityAt(sentAt);
            }, (tx, written) -> sent[0] = tx.insertMessage(new Message(0, s.id(), Message.Role.USER, agent, content,
                    Message.Status.COMPLETE, null, sentAt)));
        } catch (ConflictException e) {
            throw new WrongStateException("session '" + s.name() + "' kept changing while the message was being sent; "
                    + "nothing was sent: try again");
        }
        try {
            // BUSY and the message on disk before the agent hears of it: a store that cannot write fails here
            engine.store().sync();
        } catch (OperationFailedException e) {
            putBack(s, "the message could not be stored");
            throw new OperationFailedException("the message was not sent: " + e.getMessage(), e);
        }
        SessionRuntime runtime = engine.runtime(busy);
        AgentClient.Reply reply;
        String crash = null;
        try {
            AgentEndpoint endpoint = runtime.endpoint(s.id(), agent);
            reply = engine.agentClient().send(endpoint, Long.toString(sent[0].id()), s.id(), content, ev -> {
                engine.publish(new EngineEvent.ReplyStreamed(s.id(), agent, ev));
                if (onReply != null) {
                    onReply.accept(ev);
                }
            });
        } catch (AgentClient.PartialReplyException | OperationFailedException e) {
            String partial = e instanceof AgentClient.PartialReplyException p ? p.partial() : "";
            // what the runtime learns of it first (a container restarted by Kubernetes, a dropped port-forward)
            String lost = runtime.connectionLost(s.id(), agent, sentAt).map(w -> " (" + w + ")").orElse("");
            crash = crashOf(busy, runtime, agent);
            reply = new AgentClient.Reply(partial, crash != null ? crash
                    : "the connection to agent '" + agent + "' failed: " + e.getMessage() + lost, null);
        }
        Instant repliedAt = engine.now();
        AgentClient.Reply r = reply;
        String crashReason = crash;
        Message replyMessage = replyMessage(s.id(), agent, r, repliedAt);
        Message[] stored = new Message[1];
        Session after;
        try {
            after = engine.change(s.id(), engine.actor(), crashReason != null ? crashReason
                    : r.failed() ? "reply from agent '" + agent + "' failed: " + r.error() : "reply from agent '" + agent + "'", cur -> {
                if (cur.state() != SessionState.BUSY || !engine.owner().equals(cur.owner())) {
                    return null;
                }
                Session.Builder b = cur.toBuilder().owner(null).lastActivityAt(repliedAt);
                return crashReason != null
                        ? b.state(SessionState.ERROR).phase(Phase.PAUSED).terminationReason(crashReason)
                        : b.state(SessionState.READY);
            }, (tx, written) -> stored[0] = tx.insertMessage(replyMessage));
            if (stored[0] == null) {
                // the session was taken from us (reconciled by another engine); keep the reply anyway
                stored[0] = engine.store().write(tx -> tx.insertMessage(replyMessage));
            }
            // acknowledged only once on disk: H2 would otherwise write it later, and a failure then reaches no one
            engine.store().sync();
        } catch (OperationFailedException e) {
            if (crashReason != null) {
                runtime.stop(s.id());
            }
            return replyNotStored(s, agent, sent[0], r, stored[0], repliedAt, e);
        }
        if (crashReason != null) {
            runtime.stop(s.id());
        }
        return new SendResult(after, sent[0], stored[0]);
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

    // ---- release, timers ------------------------------------------------------------------

    /** Stops the runtime of a session whose new state no longer wants it. */
    void release(Session s) {
        engine.runtime(s).stop(s.id());
    }

    void applyTimers(Session s, Instant now) {
        if (s.state() == SessionState.BUSY || s.deleted()) {
            return;
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
            return;
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
        }
    }

    private boolean ownedElsewhere(Session s) {
        return s.owner() != null && !engine.owner().equals(s.owner()) && Owner.alive(s.owner());
    }

    // ---- remix copy ---------------------------------------------------------------------

    Session copyVolume(Session parent, Session child, VolumeCopy what) {
        SessionRuntime runtime = engine.runtime(child);
        Session copying = engine.change(child.id(), Engine.ENGINE_ACTOR, "copying volume from '" + parent.name() + "'",
                cur -> ownedBuilder(cur).map(b -> b.phase(Phase.INITIALIZING)).orElse(null));
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
            if (what.conversation()) {
                int n = engine.store().write(tx -> tx.copyMessages(parent.id(), child.id()));
                log.info("remix {}: copied {} messages", child.name(), n);
            }
            engine.store().write(tx -> {
                tx.audit(child.id(), engine.now(), Engine.ENGINE_ACTOR, AuditEvent.RUNTIME,
                        null, null, "volume copied from '" + parent.name() + "' in " + millis(System.nanoTime() - t0) + " ms",
                        Json.object().put("copy_workspace", what.workspace()).put("copy_conversation", what.conversation()));
                return null;
            });
            return copying;
        } catch (PilothouseException e) {
            return fail(copying, runtime, e.getMessage());
        }
    }

    // ---- reconciliation -------------------------------------------------------------------

    Engine.ReconcileReport reconcile(String context) {
        SessionRuntime runtime = engine.runtime(context);
        List<String> adopted = new ArrayList<>(adoptDiscovered(context, runtime));
        List<String> changed = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (Session s : engine.store().read(tx -> tx.sessionsWithRuntime(context))) {
            known.add(s.id());
            Session after = settle(s);
            if (after.version() != s.version()) {
                changed.add(s.name());
            } else if (after.state() == SessionState.READY) {
                adopted.add(s.name());
            }
        }
        if (runtime.shared()) {
            // every other session of the context: runs started elsewhere are adopted, lost volumes seen
            for (Session s : engine.store().read(tx -> tx.listSessions(context, false))) {
                if (known.add(s.id())) {
                    Session after = settle(s);
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
                Session after = settle(s.get());
                if (after.version() != s.get().version()) {
                    changed.add(after.name());
                }
            } else if (runtime.status(s.get()).stream().anyMatch(a -> a.kind() == AgentStatus.Kind.RUNNING)) {
                log.warn("session {} is {} but its agents still run; stopping them", s.get().name(), s.get().state());
                runtime.stop(id);
                changed.add(s.get().name());
            }
        }
        Set<String> orphans = engine.orphans();
        for (String o : orphans) {
            engine.publish(new EngineEvent.Notice(o, "volume " + o + " in context '" + context
                    + "' belongs to no session in the store; it was left untouched"));
        }
        if (!orphans.isEmpty()) {
            log.warn("orphaned volumes in context {}: {}", context, orphans);
        }
        return new Engine.ReconcileReport(adopted, changed, orphans);
    }

    /**
     * Sessions the runtime found on its own (by label, with their spec from annotations) that the
     * store does not know, created from another workstation: stored as they are now, with their
     * agents' definitions, and an audit row saying where they came from.
     */
    private List<String> adoptDiscovered(String context, SessionRuntime runtime) {
        List<DiscoveredSession> found = runtime.discovered();
        if (found.isEmpty()) {
            return List.of();
        }
        Set<String> known = engine.store().read(tx -> tx.sessionIds(context));
        List<DiscoveredSession> fresh = new ArrayList<>(found.stream().filter(d -> !known.contains(d.session().id())).toList());
        if (fresh.isEmpty()) {
            return List.of();
        }
        // parents first, so lineage within the adopted set is kept
        Set<String> ids = new HashSet<>(known);
        List<DiscoveredSession> ordered = new ArrayList<>();
        while (!fresh.isEmpty()) {
            int before = fresh.size();
            for (java.util.Iterator<DiscoveredSession> it = fresh.iterator(); it.hasNext(); ) {
                DiscoveredSession d = it.next();
                String parent = d.session().parentSessionId();
                if (parent == null || ids.contains(parent) || fresh.stream().noneMatch(f -> f.session().id().equals(parent))) {
                    ordered.add(d);
                    ids.add(d.session().id());
                    it.remove();
                }
            }
            if (fresh.size() == before) {
                ordered.addAll(fresh);
                fresh.clear();
            }
        }
        List<String> adopted = new ArrayList<>();
        Instant now = engine.now();
        for (int from = 0; from < ordered.size(); from += ADOPT_BATCH) {
            List<DiscoveredSession> batch = ordered.subList(from, Math.min(ordered.size(), from + ADOPT_BATCH));
            List<Session> written = engine.store().write(tx -> {
                List<Session> out = new ArrayList<>();
                for (DiscoveredSession d : batch) {
                    out.add(adoptOne(tx, d, context, now));
                }
                return out;
            });
            for (Session s : written) {
                adopted.add(s.name());
                engine.publish(new EngineEvent.SessionChanged(s));
            }
        }
        log.info("context {}: adopted {} sessions found on the cluster", context, adopted.size());
        engine.publish(new EngineEvent.Notice(null, "adopted " + adopted.size() + " session"
                + (adopted.size() == 1 ? "" : "s") + " found in context '" + context + "' (created from another workstation)"));
        return adopted;
    }

    private static final int ADOPT_BATCH = 500;

    private Session adoptOne(StoreTx tx, DiscoveredSession d, String context, Instant now) {
        Session s = d.session();
        String parent = s.parentSessionId();
        Session.Builder b = s.toBuilder();
        if (parent != null && tx.findSession(parent).isEmpty()) {
            // the parent never reached this store: keep the lineage in the audit detail only
            b.parentSessionId(null);
        }
        if (tx.findLiveSession(context, s.name()).isPresent()) {
            String suffix = "-" + s.id().substring(0, Math.min(8, s.id().length()));
            String stem = s.name().length() + suffix.length() > 63 ? s.name().substring(0, 63 - suffix.length()) : s.name();
            b.name(stem.replaceAll("-+$", "") + suffix);
        }
        List<AgentDefinition> defs = new ArrayList<>();
        for (AgentDefinition a : d.agents()) {
            AgentDefinition withId = a.id() == null ? new AgentDefinition(dev.pilothouse.session.Validation.newId(),
                    a.name(), a.image(), a.command(), a.model(), a.instructions(), a.env(), a.port(), a.resources(),
                    a.createdAt(), a.updatedAt(), a.deletedAt()) : a;
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
     * is gone. Work owned by a live engine is left to it.
     */
    Session settle(Session s) {
        if (s.owner() != null && !Owner.alive(s.owner())) {
            return settleOrphanedWork(s);
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
        String reason = idledOut && runtime.shared() && gone.detail() != null
                ? "agent '" + gone.agent() + "' stopped: " + gone.detail()
                : idledOut ? "agent '" + gone.agent() + "' exited by itself after its waiting timeout (exit 0)"
                : Reasons.of(gone, null);
        // the decision is written before the runtime is stopped: a concurrent look at the same
        // session (another runtime event) must not see the stop and record it as the cause
        Session after = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> {
            if (cur.version() != s.version()) {
                return null;
            }
            return cur.toBuilder().state(idledOut ? SessionState.IDLE : SessionState.ERROR).phase(Phase.PAUSED)
                    .terminationReason(reason);
        });
        runtime.stop(s.id());
        return after;
    }

    /**
     * A session whose state wants no runtime. Locally, agents still running are leftovers of a stop
     * cut short and are stopped. On a shared runtime (a cluster) they may have been started from
     * another workstation: an IDLE session whose agents all run is adopted as READY, anything else
     * is reported and left alone. A volume that vanished puts an IDLE session in ERROR.
     */
    private Session settleUnwanted(Session s, SessionRuntime runtime, boolean allRunning, boolean anyRunning) {
        boolean open = !s.deleted() && !s.completed();
        if (anyRunning && !runtime.shared()) {
            runtime.stop(s.id());
            return s;
        }
        if (anyRunning) {
            if (open && allRunning && s.state() == SessionState.IDLE) {
                return engine.change(s.id(), Engine.ENGINE_ACTOR, "agents found running (started from another "
                        + "workstation or a resume cut short): adopted", cur -> cur.version() == s.version()
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
                        ? cur.toBuilder().state(SessionState.ERROR).phase(Phase.PAUSED).terminationReason(lost.get()) : null);
            }
        }
        return s;
    }

    /** The engine that was starting the session or waiting on its reply has died. */
    private Session settleOrphanedWork(Session s) {
        String dead = "engine process " + s.owner().split(":")[0] + " exited";
        if (s.state() == SessionState.BUSY && !s.deleted()) {
            return restartAfterLostReply(s, "reply interrupted: " + dead + " before the reply was stored");
        }
        SessionRuntime runtime = engine.runtime(s);
        boolean allRunning = allHealthy(s, runtime);
        Session.Builder b;
        String reason;
        boolean stop = false;
        if (s.deleted()) {
            reason = dead + " during work on a deleted session";
            b = s.toBuilder().owner(null);
            stop = true;
            if (s.state() == SessionState.INIT || s.state() == SessionState.BUSY) {
                b.state(SessionState.ERROR).terminationReason(reason);
            }
        } else if (s.state() == SessionState.INIT || s.state() == SessionState.IDLE && s.phase() == Phase.INITIALIZING) {
            if (allRunning) {
                reason = "start-up finished after " + dead + ": agents found healthy";
                b = s.toBuilder().state(SessionState.READY).phase(Phase.RUNNING).owner(null).terminationReason(null);
            } else {
                reason = "start-up interrupted: " + dead;
                stop = true;
                b = s.state() == SessionState.INIT
                        ? s.toBuilder().state(SessionState.ERROR).phase(Phase.PAUSED).owner(null).terminationReason(reason)
                        : s.toBuilder().phase(Phase.PAUSED).owner(null).terminationReason(reason);
            }
        } else {
            reason = dead;
            b = s.toBuilder().owner(null);
        }
        if (stop) {
            runtime.stop(s.id());
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
                && s.agents().stream().allMatch(a -> healthy(engine.agentClient(), runtime, s.id(), a.name()));
    }

    /**
     * A reply whose engine died is lost, and the agent may still be working on it: the session
     * stays BUSY while its agents are restarted on the same volume, then READY (or ERROR).
     */
    private Session restartAfterLostReply(Session s, String reason) {
        Session claimed = engine.change(s.id(), Engine.ENGINE_ACTOR, reason, cur -> cur.version() == s.version()
                ? cur.toBuilder().owner(engine.owner()).phase(Phase.INITIALIZING) : null);
        if (!engine.owner().equals(claimed.owner())) {
            return claimed;
        }
        // the lost reply is recorded against the agent the last message went to
        String agent = engine.store().read(tx -> tx.messages(s.id(), 0, Long.MAX_VALUE, 1)).stream()
                .map(Message::agent).findFirst().orElse(s.leadAgent().name());
        engine.store().write(tx -> tx.insertMessage(new Message(0, s.id(), Message.Role.AGENT, agent, "",
                Message.Status.ERROR, reason, engine.now())));
        return start(claimed, null, engine.runtime(s), "agents restarted after an interrupted reply");
    }
}
