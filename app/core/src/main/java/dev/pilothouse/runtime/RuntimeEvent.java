package dev.pilothouse.runtime;

import dev.pilothouse.session.Phase;

/** What a runtime observed on its own: the engine decides what it means for the session. */
public sealed interface RuntimeEvent {
    /** The session concerned, or null for events about the whole context. */
    String sessionId();

    /**
     * An agent stopped without being asked to.
     *
     * @param exitCode its exit status, or null when it could not be learned
     * @param detail   the last lines of its log
     */
    record AgentExited(String sessionId, String agent, Integer exitCode, String detail) implements RuntimeEvent {
    }

    /** The runtime gave up on an agent (image pull, crash loop, OOM, unschedulable too long). */
    record AgentFailed(String sessionId, String agent, String reason, String message) implements RuntimeEvent {
    }

    /**
     * Something the runtime saw that changes nothing about the session but belongs in its history:
     * a container that Kubernetes restarted, an event Kubernetes recorded about the pod.
     *
     * @param what   one line for the operator ("agent 'coder' was restarted by the kubelet ...")
     * @param detail fields for the audit row's detail (exit code, reason, restart count), may be empty
     * @param at     when it happened by the runtime's own record (a container's finishedAt), or null: when seen
     * @param once   a key that names the fact: recorded once in the session's history, also when a later
     *               engine sees it again (the first list after a restart), or null
     */
    record Observed(String sessionId, String what, java.util.Map<String, String> detail, java.time.Instant at, String once)
            implements RuntimeEvent {
        public Observed(String sessionId, String what, java.util.Map<String, String> detail) {
            this(sessionId, what, detail, null, null);
        }
    }

    /** The session's runtime moved through its start-up: a pod waiting to be scheduled, containers being created. */
    record PhaseObserved(String sessionId, Phase phase) implements RuntimeEvent {
    }

    /** The session's runtime (its pod) disappeared without the engine asking: deleted by someone else. */
    record RuntimeLost(String sessionId, String what) implements RuntimeEvent {
    }

    /** The session's volume disappeared without the engine asking: its workspace is gone. */
    record VolumeLost(String sessionId, String what) implements RuntimeEvent {
    }

    /**
     * A session's objects appeared while the runtime watched (a pod or volume this runtime had not
     * seen), made by this engine or by another workstation's: the engine adopts a session it does
     * not know when this comes, not only at its next start.
     */
    record Appeared(String context, String sessionId) implements RuntimeEvent {
    }

    /** The context became reachable, unreachable, or forbidden. */
    record ConnectionChanged(String context, ConnectionStatus status) implements RuntimeEvent {
        @Override
        public String sessionId() {
            return null;
        }
    }
}
