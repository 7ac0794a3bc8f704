package dev.pilothouse.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

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
        n.put("parent_session_id", s.parentSessionId());
        n.put("created_by", s.createdBy());
        n.put("created_at", Json.time(s.createdAt()));
        n.put("updated_at", Json.time(s.updatedAt()));
        n.put("last_activity_at", Json.time(s.lastActivityAt()));
        n.put("deleted_at", Json.time(s.deletedAt()));
        n.put("termination_reason", s.terminationReason());
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
                .put("created_at", Json.time(m.createdAt()));
    }

    public static ObjectNode toJson(AuditEvent e) {
        ObjectNode n = Json.object().put("id", e.id()).put("session_id", e.sessionId()).put("at", Json.time(e.at()))
                .put("actor", e.actor()).put("kind", e.kind())
                .put("from", e.from() == null ? null : e.from().name()).put("to", e.to() == null ? null : e.to().name())
                .put("reason", e.reason());
        n.set("detail", e.detail() == null ? null : Json.parse(e.detail()));
        return n;
    }
}
