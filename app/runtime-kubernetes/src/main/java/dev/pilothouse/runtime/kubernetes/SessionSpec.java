package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session's spec as annotations on its pod and PVC: enough for an engine on another
 * workstation, whose store has never seen the session, to adopt it with its name, prompt,
 * timeouts, metadata, resources, lineage and a copy of each agent's definition.
 */
final class SessionSpec {
    /** Kubernetes allows 256 KiB of annotations per object; leave room for others' annotations. */
    static final int MAX_BYTES = 200 * 1024;

    private SessionSpec() {
    }

    /**
     * The session id a spec annotation names, or null (no spec, unreadable, no id). Read up to the
     * id only (written first): it is asked of every pod and PVC of a namespace on each reconcile.
     */
    static String id(String spec) {
        if (spec == null) {
            return null;
        }
        try (com.fasterxml.jackson.core.JsonParser p = Json.MAPPER.createParser(spec)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                if (field.equals("id")) {
                    return value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (java.io.IOException | RuntimeException e) {
            return null; // unreadable: the caller falls back to the label
        }
    }

    static Map<String, String> annotations(Session s, List<AgentDefinition> agents) {
        ObjectNode spec = Json.object()
                .put("id", s.id())
                .put("name", s.name())
                .put("starting_prompt", s.startingPrompt())
                .put("waiting_timeout_seconds", s.waitingTimeoutSeconds())
                .put("ttl_seconds", s.ttlSeconds())
                .put("parent_session_id", s.parentSessionId())
                .put("created_by", s.createdBy())
                .put("created_at", Json.time(s.createdAt()));
        spec.set("metadata", Json.parse(s.metadata()));
        spec.set("resources", AgentJson.resources(s.resources()));
        spec.set("guardrails", Json.MAPPER.valueToTree(s.guardrails()));
        ArrayNode defs = Json.MAPPER.createArrayNode();
        agents.forEach(a -> defs.add(AgentJson.toJson(a)));
        Map<String, String> out = new LinkedHashMap<>();
        out.put(ObjectNames.SPEC, Json.compact(spec));
        out.put(ObjectNames.AGENTS, Json.compact(defs));
        int bytes = out.values().stream().mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).sum();
        if (bytes > MAX_BYTES) {
            throw new InvalidInputException("session '" + s.name() + "' and its agent definitions take " + bytes
                    + " bytes as JSON; the Kubernetes runtime keeps them in annotations, which hold at most "
                    + MAX_BYTES + " bytes here: shorten the starting prompt or the agents' instructions");
        }
        return out;
    }

    /**
     * The session described by an object's annotations, as found in {@code context} and {@code
     * namespace}, in the given state and phase; empty when the annotations are missing or unreadable.
     */
    static Optional<DiscoveredSession> read(Map<String, String> annotations, String context, String namespace,
                                            SessionState state, Phase phase, Instant now) {
        if (annotations == null || !annotations.containsKey(ObjectNames.SPEC) || !annotations.containsKey(ObjectNames.AGENTS)) {
            return Optional.empty();
        }
        try {
            JsonNode spec = Json.MAPPER.readTree(annotations.get(ObjectNames.SPEC));
            JsonNode defs = Json.MAPPER.readTree(annotations.get(ObjectNames.AGENTS));
            List<AgentDefinition> agents = new ArrayList<>();
            defs.forEach(d -> agents.add(AgentJson.fromJson(d)));
            if (agents.isEmpty() || !spec.hasNonNull("id") || !spec.hasNonNull("name")) {
                return Optional.empty();
            }
            JsonNode r = spec.path("resources");
            Instant created = spec.hasNonNull("created_at") ? Instant.parse(spec.get("created_at").asText()) : now;
            Session s = new Session(spec.get("id").asText(), spec.get("name").asText(), context, namespace,
                    spec.path("starting_prompt").asText(""), state, phase,
                    spec.path("waiting_timeout_seconds").asInt(300), spec.path("ttl_seconds").asLong(86_400),
                    Json.compact(spec.path("metadata").isObject() ? spec.get("metadata") : Json.object()),
                    agents.stream().map(a -> new SessionAgent(a.id(), a.name(), a.model(), a.image())).toList(),
                    new Resources(text(r, "cpu"), text(r, "memory"), text(r, "storage")), guardrails(spec.path("guardrails")),
                    text(spec, "parent_session_id"), spec.path("created_by").asText("unknown"), created, now, now,
                    null, null, null, null, 0);
            return Optional.of(new DiscoveredSession(s, agents));
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static List<String> guardrails(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(g -> out.add(g.asText()));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
