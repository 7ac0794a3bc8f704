package dev.pilothouse.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Sessions, messages and audit events as JSON, with the seed's field names. */
public final class SessionJson {
    private SessionJson() {
    }

    public static ObjectNode toJson(Session s) {
        ObjectNode n = Json.object();
        n.put("id", s.id());
        n.put("name", s.name());
        n.put("starting_prompt", s.startingPrompt());
        n.put("state", s.state().name());
        n.put("phase", s.phase().name());
        n.put("waiting_timeout_seconds", s.waitingTimeoutSeconds());
        n.put("ttl_seconds", s.ttlSeconds());
        n.set("metadata", Json.parse(s.metadata()));
        ArrayNode agents = n.putArray("agents");
        for (SessionAgent a : s.agents()) {
            agents.addObject().put("id", a.id()).put("name", a.name()).put("model", a.model()).put("image", a.image());
        }
        ObjectNode r = n.putObject("resources");
        r.put("cpu", s.resources().cpu()).put("memory", s.resources().memory()).put("storage", s.resources().storage());
        ArrayNode guardrails = n.putArray("guardrails");
        s.guardrails().forEach(guardrails::add);
        n.put("parent_session_id", s.parentSessionId());
        n.put("created_by", s.createdBy());
        n.put("created_at", Json.time(s.createdAt()));
        n.put("updated_at", Json.time(s.updatedAt()));
        n.put("last_activity_at", Json.time(s.lastActivityAt()));
        n.put("deleted_at", Json.time(s.deletedAt()));
        n.put("termination_reason", s.terminationReason());
        // a scheduled start: when it is (or was) due; pending while state INIT and phase PENDING wait for it
        n.put("scheduled_at", Json.time(s.scheduledAt()));
        // beyond the seed: where the session lives and its store version
        n.put("context", s.context());
        n.put("namespace", s.namespace());
        n.put("purged_at", Json.time(s.purgedAt()));
        n.put("version", s.version());
        return n;
    }

    public static ObjectNode toJson(Message m) {
        return Json.object().put("id", m.id()).put("session_id", m.sessionId())
                .put("role", m.role().name().toLowerCase()).put("agent", m.agent()).put("content", m.content())
                .put("status", m.status().name().toLowerCase()).put("error", m.error())
                .put("truncated", m.status() == Message.Status.TRUNCATED)
                .put("copied_from_session_id", m.copiedFrom())
                .put("created_at", Json.time(m.createdAt()))
                .set("guardrail", guard(m.guard()));
    }

    /** A message's guardrail mark: {verdict, guardrail, kinds}, or null. */
    public static JsonNode guard(Message.Guard g) {
        if (g == null) {
            return com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        ObjectNode n = Json.object().put("verdict", g.verdict()).put("guardrail", g.guardrail());
        ArrayNode kinds = n.putArray("kinds");
        g.kinds().forEach(kinds::add);
        return n;
    }

    public static ObjectNode toJson(AuditEvent e) {
        ObjectNode n = Json.object().put("id", e.id()).put("session_id", e.sessionId()).put("at", Json.time(e.at()))
                .put("actor", e.actor()).put("kind", e.kind())
                .put("from", e.from() == null ? null : e.from().name()).put("to", e.to() == null ? null : e.to().name())
                .put("reason", e.reason());
        n.set("detail", e.detail() == null ? null : Json.parse(e.detail()));
        return n;
    }

    // ---- read back (a client of the REST API) ------------------------------------------------

    /** A session from {@link #toJson(Session)}; the engine-internal owner is not shown, so it is null. */
    public static Session session(JsonNode n) {
        List<SessionAgent> agents = new ArrayList<>();
        n.path("agents").forEach(a -> agents.add(new SessionAgent(text(a, "id"), text(a, "name"), text(a, "model"),
                text(a, "image"))));
        JsonNode r = n.path("resources");
        return new Session(text(n, "id"), text(n, "name"), text(n, "context"), text(n, "namespace"),
                n.path("starting_prompt").asText(""), SessionState.valueOf(text(n, "state")), Phase.valueOf(text(n, "phase")),
                n.path("waiting_timeout_seconds").asInt(), n.path("ttl_seconds").asLong(),
                n.hasNonNull("metadata") ? Json.compact(n.get("metadata")) : "{}", agents,
                new Resources(text(r, "cpu"), text(r, "memory"), text(r, "storage")), strings(n.path("guardrails")),
                text(n, "parent_session_id"),
                text(n, "created_by"), time(n, "created_at"), time(n, "updated_at"), time(n, "last_activity_at"),
                time(n, "deleted_at"), text(n, "termination_reason"), time(n, "purged_at"), null,
                n.path("version").asLong(), time(n, "scheduled_at"));
    }

    /** A message from {@link #toJson(Message)}. */
    public static Message message(JsonNode n) {
        return new Message(n.path("id").asLong(), text(n, "session_id"),
                Message.Role.valueOf(text(n, "role").toUpperCase()), text(n, "agent"), n.path("content").asText(""),
                Message.Status.valueOf(text(n, "status").toUpperCase()), text(n, "error"), time(n, "created_at"),
                text(n, "copied_from_session_id"), n.hasNonNull("guardrail") ? new Message.Guard(
                text(n.get("guardrail"), "verdict"), text(n.get("guardrail"), "guardrail"),
                strings(n.get("guardrail").path("kinds"))) : null);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** An audit event from {@link #toJson(AuditEvent)}. */
    public static AuditEvent event(JsonNode n) {
        String from = text(n, "from");
        String to = text(n, "to");
        return new AuditEvent(n.path("id").asLong(), text(n, "session_id"), time(n, "at"), text(n, "actor"),
                text(n, "kind"), from == null ? null : SessionState.valueOf(from), to == null ? null : SessionState.valueOf(to),
                text(n, "reason"), n.hasNonNull("detail") ? Json.compact(n.get("detail")) : null);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant time(JsonNode n, String field) {
        String t = text(n, field);
        return t == null ? null : Instant.parse(t);
    }
}
