package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.guardrails.Guardrails;
import dev.pilothouse.guardrails.Verdict;
import dev.pilothouse.session.Message;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work this engine is doing on a session outside the session's lock: waiting for a reply, or
 * for starting agents to answer. At most one per session; registered and removed under the
 * session's lock together with the write that makes the session owned by this engine, or that
 * frees it. A later decision (pause, delete, retry) cancels it: the HTTP call is aborted, a start
 * stops at its next step, and the canceller records what happened.
 */
final class InFlight {
    private final Map<String, Op> ops = new ConcurrentHashMap<>();

    /** Who cancelled the work, and why ("paused by alice"). */
    record Cancel(String actor, String why) {
    }

    abstract static sealed class Op permits Reply, Start {
        final String sessionId;
        private Cancel cancel;
        private boolean finished;

        Op(String sessionId) {
            this.sessionId = sessionId;
        }

        /** Cancels the work unless it has finished already; true if this call cancelled it. */
        boolean cancel(String actor, String why) {
            synchronized (this) {
                if (cancel != null || finished) {
                    return false;
                }
                cancel = new Cancel(actor, why);
            }
            aborted();
            return true;
        }

        /** Marks the work finished unless it was cancelled first; true if it finished. */
        synchronized boolean finish() {
            if (cancel != null) {
                return false;
            }
            finished = true;
            return true;
        }

        synchronized Cancel cancelled() {
            return cancel;
        }

        void aborted() {
        }
    }

    /** A message sent to an agent whose reply is awaited. */
    static final class Reply extends Op {
        final String agent;
        final Message sent;
        final Duration timeout;
        /** Who sent the message: the audit trail names them for its transitions. */
        final String actor;
        final AgentClient.Exchange exchange = new AgentClient.Exchange();
        /** Every event the agent streams, stamped on arrival: kept with the reply. */
        final ReplyTrace trace = new ReplyTrace(System.nanoTime());
        /** How the exchange ended, set by the sending thread; read under the session's lock. */
        volatile Outcome outcome;
        /** Set once the reply is stored (under the session's lock), by whichever thread did it. */
        SendResult result;
        /** The reply message as last written, even in a transaction that failed (a full disk): checked on disk then. */
        volatile Message attempted;
        /** A start the recording registered (the agents are restarted after a reply timed out). */
        Start restart;
        /** The session's guardrails, or null: the reply is checked with them before it is stored. */
        Guardrails guardrails;
        /** What the guardrails made of the reply as stored (set by the recording), or null. */
        volatile Verdict replyVerdict;

        Reply(String sessionId, String agent, Message sent, Duration timeout, String actor) {
            super(sessionId);
            this.actor = actor;
            this.agent = agent;
            this.sent = sent;
            this.timeout = timeout;
        }

        @Override
        void aborted() {
            exchange.cancel();
        }
    }

    /**
     * How a reply's exchange ended.
     *
     * @param restart why the session's agents are restarted after it (the agent may still be working
     *                on the abandoned message and would refuse the next one), or null: they are not
     */
    record Outcome(AgentClient.Reply reply, boolean connectionFailed, String restart) {
    }

    /** Agents being started (create, resume, retry, a restart) and waited for. */
    static final class Start extends Op {
        Start(String sessionId) {
            super(sessionId);
        }
    }

    void put(Op op) {
        Op before = ops.putIfAbsent(op.sessionId, op);
        if (before != null && before != op) {
            throw new IllegalStateException("session " + op.sessionId + " already has work in flight: " + before);
        }
    }

    Optional<Op> get(String sessionId) {
        return Optional.ofNullable(ops.get(sessionId));
    }

    boolean has(String sessionId) {
        return ops.containsKey(sessionId);
    }

    void remove(Op op) {
        ops.remove(op.sessionId, op);
    }
}
