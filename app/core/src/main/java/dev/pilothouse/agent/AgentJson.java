package dev.pilothouse.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Agent definitions as JSON, with the field names used everywhere (CLI, snapshots, exports). */
public final class AgentJson {
    private AgentJson() {
    }

    public static ObjectNode toJson(AgentDefinition a) {
        ObjectNode n = Json.object();
        n.put("id", a.id());
        n.put("name", a.name());
        n.put("image", a.image());
        n.set("command", Json.MAPPER.valueToTree(a.command()));
        n.put("model", a.model());
        n.put("instructions", a.instructions());
        n.set("env", Json.MAPPER.valueToTree(a.env()));
        n.put("port", a.port());
        n.put("reply_timeout_seconds", a.replyTimeoutSeconds());
        n.set("resources", resources(a.resources()));
        n.put("created_at", Json.time(a.createdAt()));
        n.put("updated_at", Json.time(a.updatedAt()));
        n.put("deleted_at", Json.time(a.deletedAt()));
        return n;
    }

    public static ObjectNode resources(Resources r) {
        ObjectNode n = Json.object();
        n.put("cpu", r == null ? null : r.cpu());
        n.put("memory", r == null ? null : r.memory());
        n.put("storage", r == null ? null : r.storage());
        return n;
    }

    /** What an operator's agent definition (a file, an API body) may set. */
    public static final List<String> INPUT_FIELDS = List.of("name", "command", "image", "model", "instructions", "env",
            "port", "resources", "reply_timeout_seconds");
    /** What {@link #toJson} adds; accepted back and ignored, so a shown definition can be created again. */
    public static final List<String> READ_ONLY_FIELDS = List.of("id", "created_at", "updated_at", "deleted_at");

    /**
     * An agent definition an operator wrote, checked field by field: types, unknown fields. A
     * {@code command} may be one string, split as a shell would into words.
     *
     * @param where what the definition came from, to start messages with (e.g. "--file: "), or ""
     */
    public static AgentDefinition fromInput(ObjectNode n, String where) {
        return fromInput(n, where, false);
    }

    /**
     * As {@link #fromInput(ObjectNode, String)}. With {@code jsonTypes} (a REST body, JSON) the words
     * of {@code command} and the values of {@code env} must be JSON strings: JSON writes text in
     * quotes, so a number, true or null there is a mistake, not text. Without it (a YAML file, where
     * {@code A: 1} is how people write an environment value) a number or true/false is taken as its
     * text; null is refused either way (it used to become the word "null").
     */
    public static AgentDefinition fromInput(ObjectNode n, String where, boolean jsonTypes) {
        if (n.has("command") && n.get("command").isTextual()) {
            n.set("command", Json.MAPPER.valueToTree(CommandLineWords.split(n.get("command").asText())));
        }
        for (String field : List.of("command", "env", "resources")) {
            JsonNode v = n.get(field);
            boolean ok = v == null || v.isNull() || (field.equals("command") ? v.isArray() : v.isObject());
            if (!ok) {
                throw new InvalidInputException(where + "field '" + field + "' must be "
                        + (field.equals("command") ? "a list of words or a string" : "a mapping"), field);
            }
        }
        for (String field : List.of("name", "image", "model", "instructions")) {
            JsonNode v = n.get(field);
            if (v != null && !v.isNull() && !v.isTextual()) {
                throw new InvalidInputException(where + "field '" + field + "' must be a string, not " + v, field);
            }
        }
        JsonNode command = n.get("command");
        if (command != null && command.isArray()) {
            for (JsonNode w : command) {
                if (!(w.isTextual() || !jsonTypes && w.isValueNode() && !w.isNull())) {
                    throw new InvalidInputException(where + "field 'command' must be a list of strings (the program and "
                            + "its arguments); it holds " + w, "command");
                }
            }
        }
        JsonNode env = n.get("env");
        if (env != null && env.isObject()) {
            env.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (!(v.isTextual() || !jsonTypes && v.isValueNode() && !v.isNull())) {
                    throw new InvalidInputException(where + "field 'env' must map names to strings; '" + e.getKey()
                            + "' is " + v + (jsonTypes && v.isValueNode() && !v.isNull() ? " (write it as \""
                            + v.asText() + "\")" : ""), "env");
                }
            });
        }
        JsonNode resources = n.get("resources");
        if (resources != null && resources.isObject()) {
            resources.fields().forEachRemaining(e -> {
                if (!List.of("cpu", "memory", "storage").contains(e.getKey())) {
                    throw new InvalidInputException(where + "unknown field 'resources." + e.getKey()
                            + "'; accepted: cpu, memory, storage", "resources." + e.getKey());
                }
                JsonNode v = e.getValue();
                if (!v.isNull() && !v.isTextual() && !v.isNumber()) {
                    throw new InvalidInputException(where + "field 'resources." + e.getKey() + "' must be a quantity "
                            + "such as \"500m\" or \"1Gi\", not " + v, "resources." + e.getKey());
                }
            });
        }
        JsonNode port = n.get("port");
        if (port != null && !port.isNull() && !(port.isIntegralNumber() && port.canConvertToInt())) {
            throw new InvalidInputException(where + "field 'port' must be a whole number from 1 to 65535, not " + port,
                    "port");
        }
        JsonNode timeout = n.get("reply_timeout_seconds");
        if (timeout != null && !timeout.isNull() && !(timeout.isIntegralNumber() && timeout.canConvertToInt())) {
            throw new InvalidInputException(where + "field 'reply_timeout_seconds' must be a whole number of seconds "
                    + "(1 to 604800), not " + timeout, "reply_timeout_seconds");
        }
        List<String> unknown = new ArrayList<>();
        n.fieldNames().forEachRemaining(f -> {
            if (!INPUT_FIELDS.contains(f) && !READ_ONLY_FIELDS.contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidInputException(where + "unknown field" + (unknown.size() == 1 ? " " : "s ") + unknown
                    + "; accepted: " + String.join(", ", INPUT_FIELDS), unknown.get(0));
        }
        READ_ONLY_FIELDS.forEach(n::remove); // accepted and ignored, whatever they hold (a bad time is no 500)
        return fromJson(n);
    }

    /** Reads back what {@link #toJson} wrote (snapshots in the store). */
    public static AgentDefinition fromJson(JsonNode n) {
        List<String> command = new ArrayList<>();
        n.path("command").forEach(c -> command.add(c.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        n.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        JsonNode r = n.path("resources");
        return new AgentDefinition(text(n, "id"), text(n, "name"), text(n, "image"), command, text(n, "model"),
                text(n, "instructions"), env, n.path("port").asInt(AgentDefinition.DEFAULT_PORT),
                new Resources(text(r, "cpu"), text(r, "memory"), text(r, "storage")),
                time(n, "created_at"), time(n, "updated_at"), time(n, "deleted_at"),
                n.hasNonNull("reply_timeout_seconds") && n.get("reply_timeout_seconds").canConvertToInt()
                        ? n.get("reply_timeout_seconds").asInt() : null);
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
