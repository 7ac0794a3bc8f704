package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.guardrails.Direction;
import dev.pilothouse.guardrails.GuardrailSpec;
import dev.pilothouse.guardrails.Guardrails;
import dev.pilothouse.guardrails.Hit;
import dev.pilothouse.guardrails.Verdict;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.store.StoreTx;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's side of a session's guardrails (docs/guardrails.md): one {@link Guardrails} object
 * per session, built from the canonical specs the session stores and kept while the engine runs, so
 * that a session's rate buckets last from one message to the next; the verdicts turned into what
 * the engine stores (a message's {@link Message.Guard} mark, one audit event per hit, never the
 * matched text) and into the exception a refused message fails with.
 */
final class SessionGuardrails {
    private record Entry(List<String> specs, Guardrails guardrails) {
    }

    private final Clock clock;
    private final Map<String, Entry> bySession = new ConcurrentHashMap<>();

    SessionGuardrails(Clock clock) {
        this.clock = clock;
    }

    /**
     * Specs as an operator gave them, checked (each alone, and together) and written in their
     * canonical form; null or empty is none. Bad input names what is accepted.
     */
    static List<String> canonical(List<String> specs) {
        if (specs == null || specs.isEmpty()) {
            return List.of();
        }
        List<GuardrailSpec> parsed = specs.stream().map(GuardrailSpec::parse).toList();
        Guardrails.of(parsed, Clock.systemUTC()); // refuses specs that do not go together
        return List.copyOf(new LinkedHashSet<>(parsed.stream().map(GuardrailSpec::canonical).toList()));
    }

    /** The session's guardrails, or null when it has none. */
    Guardrails of(Session s) {
        return of(s.id(), s.guardrails());
    }

    Guardrails of(String sessionId, List<String> specs) {
        if (specs.isEmpty()) {
            return null;
        }
        return bySession.compute(sessionId, (id, e) -> e != null && e.specs().equals(specs) ? e
                : new Entry(List.copyOf(specs), Guardrails.parse(specs, clock))).guardrails();
    }

    /** The session has ended (deleted, purged): its rate buckets go. */
    void forget(String sessionId) {
        Entry e = bySession.remove(sessionId);
        if (e != null) {
            e.guardrails().forgetSession(sessionId);
        }
    }

    /** Whether the guardrails look at replies (then a reply is held until it is whole and checked). */
    static boolean checksReplies(Guardrails g) {
        return g != null && g.specs().stream().anyMatch(s -> !s.name().equals(GuardrailSpec.RATE_LIMITING));
    }

    /** Nothing of the message may be delivered. */
    static boolean turnedAway(Verdict v) {
        return v instanceof Verdict.Blocked || v instanceof Verdict.Refused;
    }

    /** What the operator is told, in words, about a message turned away. */
    static String words(Verdict v) {
        if (v instanceof Verdict.Blocked b) {
            return b.message();
        }
        if (v instanceof Verdict.Refused r) {
            return "refused by " + r.guardrail() + ": " + r.reason();
        }
        return null;
    }

    static GuardrailException refusal(Verdict v) {
        if (v instanceof Verdict.Blocked b) {
            return new GuardrailException(GuardrailException.Reason.BLOCKED, b.guardrail(), b.message(), null, null);
        }
        Verdict.Refused r = (Verdict.Refused) v;
        GuardrailException.Reason reason = r.guardrail().equals(GuardrailSpec.RATE_LIMITING)
                ? GuardrailException.Reason.RATE_LIMITED : GuardrailException.Reason.TOO_LARGE;
        return new GuardrailException(reason, r.guardrail(), words(r), r.retryAt(), r.retryAfter());
    }

    /** The mark a message carries for a verdict other than allowed; null for allowed (or no verdict). */
    static Message.Guard mark(Verdict v) {
        if (v == null || v instanceof Verdict.Allowed) {
            return null;
        }
        Set<String> kinds = new LinkedHashSet<>();
        v.hits().forEach(h -> kinds.add(h.kind()));
        String guardrail = v.hits().isEmpty() ? GuardrailSpec.NO_PII_EXPOSURE : v.hits().get(0).guardrail();
        String verdict = v instanceof Verdict.Redacted ? Message.Guard.REDACTED
                : v instanceof Verdict.Blocked ? Message.Guard.BLOCKED : Message.Guard.REFUSED;
        return new Message.Guard(verdict, guardrail, List.copyOf(kinds));
    }

    /**
     * One audit event per hit, in the transaction that stores the message: {@code detail} is the
     * hit's {guardrail, direction, kind, action, start, end}; the reason says which message and what
     * was done. Nothing of the matched text.
     */
    static void audit(StoreTx tx, String sessionId, Instant at, String actor, Verdict v, String what) {
        if (v == null) {
            return;
        }
        Message.Guard g = mark(v);
        for (Hit h : v.hits()) {
            ObjectNode detail = Json.MAPPER.valueToTree(h.audit());
            tx.audit(sessionId, at, actor, AuditEvent.GUARDRAIL, null, null,
                    what + " " + g.verdict() + " by " + h.guardrail() + " (" + h.kind() + ")", detail);
        }
    }

    static Verdict check(Guardrails g, Direction d, String sessionId, String agent, String text) {
        return g == null ? null : g.check(d, sessionId, agent, text);
    }
}
