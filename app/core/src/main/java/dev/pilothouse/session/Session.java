package dev.pilothouse.session;

import java.time.Instant;
import java.util.List;

/**
 * One version of a session. Immutable: a change makes a new value with a higher {@code version},
 * and the store refuses a write whose base version is no longer current.
 *
 * @param metadata     the operator's metadata as a compact JSON object text
 * @param owner        the engine process doing long work on the session (starting it, waiting
 *                     on a reply), so other engines leave it alone while that process lives
 * @param purgedAt     when the volume of a deleted session was removed, or null
 * @param guardrails   the session's guardrails as canonical specs ({@code GuardrailSpec#canonical}),
 *                     checked on every message both ways; empty for none
 * @param scheduledAt  when a scheduled start was (or is) due, or null for a session started at once;
 *                     kept after the start
 */
public record Session(
        String id,
        String name,
        String context,
        String namespace,
        String startingPrompt,
        SessionState state,
        Phase phase,
        int waitingTimeoutSeconds,
        long ttlSeconds,
        String metadata,
        List<SessionAgent> agents,
        Resources resources,
        List<String> guardrails,
        String parentSessionId,
        String createdBy,
        Instant createdAt,
        Instant updatedAt,
        Instant lastActivityAt,
        Instant deletedAt,
        String terminationReason,
        Instant purgedAt,
        String owner,
        long version,
        Instant scheduledAt) {

    public Session {
        agents = List.copyOf(agents);
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
    }

    /** A session started at once (no scheduled start). */
    public Session(String id, String name, String context, String namespace, String startingPrompt, SessionState state,
                   Phase phase, int waitingTimeoutSeconds, long ttlSeconds, String metadata, List<SessionAgent> agents,
                   Resources resources, List<String> guardrails, String parentSessionId, String createdBy,
                   Instant createdAt, Instant updatedAt, Instant lastActivityAt, Instant deletedAt,
                   String terminationReason, Instant purgedAt, String owner, long version) {
        this(id, name, context, namespace, startingPrompt, state, phase, waitingTimeoutSeconds, ttlSeconds, metadata,
                agents, resources, guardrails, parentSessionId, createdBy, createdAt, updatedAt, lastActivityAt, deletedAt,
                terminationReason, purgedAt, owner, version, null);
    }

    /** A session without guardrails. */
    public Session(String id, String name, String context, String namespace, String startingPrompt, SessionState state,
                   Phase phase, int waitingTimeoutSeconds, long ttlSeconds, String metadata, List<SessionAgent> agents,
                   Resources resources, String parentSessionId, String createdBy, Instant createdAt, Instant updatedAt,
                   Instant lastActivityAt, Instant deletedAt, String terminationReason, Instant purgedAt, String owner,
                   long version) {
        this(id, name, context, namespace, startingPrompt, state, phase, waitingTimeoutSeconds, ttlSeconds, metadata,
                agents, resources, List.of(), parentSessionId, createdBy, createdAt, updatedAt, lastActivityAt, deletedAt,
                terminationReason, purgedAt, owner, version);
    }

    public boolean deleted() {
        return deletedAt != null;
    }

    public boolean purged() {
        return purgedAt != null;
    }

    public boolean completed() {
        return phase == Phase.COMPLETED;
    }

    /** When the waiting timeout fires if nothing happens before: only a READY session idles. */
    public Instant idleDeadline() {
        return state == SessionState.READY ? lastActivityAt.plusSeconds(waitingTimeoutSeconds) : null;
    }

    /** When the inactivity TTL completes the session if nothing happens before; none while it waits to start. */
    public Instant ttlDeadline() {
        return completed() || deleted() || pendingStart() ? null : lastActivityAt.plusSeconds(ttlSeconds);
    }

    /**
     * Waiting for its scheduled start: stored in INIT with {@code scheduledAt}, not yet claimed by an
     * engine (a start sets the owner, and INIT never goes back to an unowned INIT once started).
     */
    public boolean pendingStart() {
        return scheduledAt != null && state == SessionState.INIT && owner == null && deletedAt == null;
    }

    /** The first agent receives the starting prompt and messages that name no agent. */
    public SessionAgent leadAgent() {
        return agents.get(0);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copy-and-change for the many fields of a session. */
    public static final class Builder {
        private String id;
        private String name;
        private String context;
        private String namespace;
        private String startingPrompt;
        private SessionState state;
        private Phase phase;
        private int waitingTimeoutSeconds;
        private long ttlSeconds;
        private String metadata;
        private List<SessionAgent> agents;
        private Resources resources;
        private List<String> guardrails = List.of();
        private String parentSessionId;
        private String createdBy;
        private Instant createdAt;
        private Instant updatedAt;
        private Instant lastActivityAt;
        private Instant deletedAt;
        private String terminationReason;
        private Instant purgedAt;
        private String owner;
        private long version;
        private Instant scheduledAt;

        public Builder() {
        }

        private Builder(Session s) {
            id = s.id;
            name = s.name;
            context = s.context;
            namespace = s.namespace;
            startingPrompt = s.startingPrompt;
            state = s.state;
            phase = s.phase;
            waitingTimeoutSeconds = s.waitingTimeoutSeconds;
            ttlSeconds = s.ttlSeconds;
            metadata = s.metadata;
            agents = s.agents;
            resources = s.resources;
            guardrails = s.guardrails;
            parentSessionId = s.parentSessionId;
            createdBy = s.createdBy;
            createdAt = s.createdAt;
            updatedAt = s.updatedAt;
            lastActivityAt = s.lastActivityAt;
            deletedAt = s.deletedAt;
            terminationReason = s.terminationReason;
            purgedAt = s.purgedAt;
            owner = s.owner;
            version = s.version;
            scheduledAt = s.scheduledAt;
        }

        public Builder id(String v) { id = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder context(String v) { context = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder startingPrompt(String v) { startingPrompt = v; return this; }
        public Builder state(SessionState v) { state = v; return this; }
        public Builder phase(Phase v) { phase = v; return this; }
        public Builder waitingTimeoutSeconds(int v) { waitingTimeoutSeconds = v; return this; }
        public Builder ttlSeconds(long v) { ttlSeconds = v; return this; }
        public Builder metadata(String v) { metadata = v; return this; }
        public Builder agents(List<SessionAgent> v) { agents = v; return this; }
        public Builder resources(Resources v) { resources = v; return this; }
        public Builder guardrails(List<String> v) { guardrails = v; return this; }
        public Builder parentSessionId(String v) { parentSessionId = v; return this; }
        public Builder createdBy(String v) { createdBy = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder lastActivityAt(Instant v) { lastActivityAt = v; return this; }
        public Builder deletedAt(Instant v) { deletedAt = v; return this; }
        public Builder terminationReason(String v) { terminationReason = v; return this; }
        public Builder purgedAt(Instant v) { purgedAt = v; return this; }
        public Builder owner(String v) { owner = v; return this; }
        public Builder version(long v) { version = v; return this; }
        public Builder scheduledAt(Instant v) { scheduledAt = v; return this; }

        public Session build() {
            return new Session(id, name, context, namespace, startingPrompt, state, phase, waitingTimeoutSeconds,
                    ttlSeconds, metadata, agents, resources, guardrails, parentSessionId, createdBy, createdAt, updatedAt,
                    lastActivityAt, deletedAt, terminationReason, purgedAt, owner, version, scheduledAt);
        }
    }
}
