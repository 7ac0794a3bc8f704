package dev.pilothouse.session;

import java.time.Instant;

/**
 * One row of a session's audit trail. Transitions carry {@code from}/{@code to}; other kinds
 * (created, updated, phase, deleted, purged, remixed, runtime, agents_changed, guardrail) carry their facts in {@code detail},
 * a compact JSON object.
 */
public record AuditEvent(long id, String sessionId, Instant at, String actor, String kind,
                         SessionState from, SessionState to, String reason, String detail) {
    public static final String TRANSITION = "transition";
    public static final String CREATED = "created";
    public static final String UPDATED = "updated";
    public static final String PHASE = "phase";
    public static final String DELETED = "deleted";
    public static final String PURGED = "purged";
    public static final String REMIXED = "remixed";
    public static final String RUNTIME = "runtime";
    /** The session's agents changed: detail {added, removed, agents (the new set), applied (now, at resume, at retry)}. */
    public static final String AGENTS_CHANGED = "agents_changed";
    /**
     * A guardrail redacted, blocked or refused a message: detail {guardrail, direction, kind, action,
     * start, end, message_id}; never the matched text (docs/guardrails.md).
     */
    public static final String GUARDRAIL = "guardrail";
    /**
     * An operator changed a workspace through the browser: detail {op (upload, extract, delete), path,
     * bytes or entries}; never the content.
     */
    public static final String WORKSPACE = "workspace";
    /** Made from a bundle exported elsewhere (detail: original_id, original_name, exported_at, messages, workspace). */
    public static final String IMPORTED = "imported";
    /**
     * A bundle import failed after its session was made (a cut or broken workspace archive); the
     * session is then deleted and purged, its record kept as every deleted one (detail: reason).
     */
    public static final String IMPORT_REFUSED = "import_refused";
}
