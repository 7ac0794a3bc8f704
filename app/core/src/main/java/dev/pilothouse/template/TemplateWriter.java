package dev.pilothouse.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.Validation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * A session as a {@code SessionTemplate} document ("Save as template"): its agents with what its
 * copies of their definitions set apart from the registry (docs/templates.md's {@code config}),
 * resources, guardrails, starting prompt, timeouts and metadata, so that a session created from it
 * is set up as this one was. The result is checked by {@link TemplateParser} before it is returned.
 */
public final class TemplateWriter {
    /** What a session created from a template records in its metadata; the new session records it again. */
    private static final Set<String> TEMPLATE_KEYS = Set.of("template", "template_version");

    private TemplateWriter() {
    }

    /**
     * @param snapshots  the session's copies of its agents' definitions, in the session's order
     * @param registered the registered definition of an agent by name, null when it is not (or no longer) registered
     */
    public static String write(String name, Session s, List<AgentDefinition> snapshots,
                               Map<String, AgentDefinition> registered) {
        String templateName = Validation.name("template", name == null ? "" : name.strip());
        Map<String, String> literals = new LinkedHashMap<>();
        ObjectNode doc = Json.object().put("apiVersion", SessionTemplate.API_VERSION).put("kind", SessionTemplate.KIND);
        doc.putObject("metadata").put("name", templateName);
        ObjectNode spec = doc.putObject("spec");

        ArrayNode agents = spec.putArray("agents");
        for (AgentDefinition d : snapshots) {
            ObjectNode a = agents.addObject().put("name", d.name());
            Map<String, String> config = config(d, registered.get(d.name()));
            if (!config.isEmpty()) {
                ObjectNode c = a.putObject("config");
                config.forEach(c::put);
            }
        }
        Resources r = s.resources();
        ObjectNode res = spec.putObject("resources");
        putIf(res, "cpu", r.cpu());
        putIf(res, "memory", r.memory());
        putIf(res, "storage", r.storage());
        if (res.isEmpty()) {
            spec.remove("resources");
        }
        if (!s.guardrails().isEmpty()) {
            ArrayNode g = spec.putArray("guardrails");
            s.guardrails().forEach(g::add);
        }
        if (s.startingPrompt() != null && !s.startingPrompt().isEmpty()) {
            spec.put("starting_prompt", s.startingPrompt());
            placeholders(s.startingPrompt(), literals);
        }
        spec.put("waiting_timeout_seconds", s.waitingTimeoutSeconds());
        spec.put("ttl_seconds", s.ttlSeconds());
        JsonNode meta = s.metadata() == null ? Json.object() : Json.parse(s.metadata());
        if (meta instanceof ObjectNode m) {
            m.remove(TEMPLATE_KEYS);
            if (!m.isEmpty()) {
                spec.set("metadata", m);
                texts(m, literals);
            }
        }
        if (!literals.isEmpty()) {
            // text that reads as {{name}} is kept as written: a parameter whose default is that very text
            // (values are inserted as they are, never substituted again)
            ArrayNode p = spec.putArray("parameters");
            literals.forEach((n, text) -> p.addObject().put("name", n).put("default", text)
                    .put("description", "kept from the session's text as written"));
        }
        String yaml;
        try {
            yaml = Json.YAML.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the template of session '" + s.name() + "'", e);
        }
        try {
            TemplateParser.parse(yaml);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("session '" + s.name() + "' cannot be saved as a template: " + e.getMessage());
        }
        return yaml;
    }

    /**
     * What the session's copy of an agent sets apart from the registered definition: {@code model} and
     * {@code instructions} where they differ, and the PILOTHOUSE_CONFIG_ variables a template gave it.
     */
    static Map<String, String> config(AgentDefinition copy, AgentDefinition registered) {
        Map<String, String> out = new LinkedHashMap<>();
        if (copy.model() != null && (registered == null || !Objects.equals(copy.model(), registered.model()))) {
            out.put("model", copy.model());
        }
        if (copy.instructions() != null
                && (registered == null || !Objects.equals(copy.instructions(), registered.instructions()))) {
            out.put("instructions", copy.instructions());
        }
        Map<String, String> before = registered == null || registered.env() == null ? Map.of() : registered.env();
        copy.env().entrySet().stream()
                .filter(e -> e.getKey().startsWith(TemplateConfig.ENV_PREFIX) && e.getKey().length() > TemplateConfig.ENV_PREFIX.length())
                .filter(e -> !Objects.equals(e.getValue(), before.get(e.getKey())))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(e.getKey().substring(TemplateConfig.ENV_PREFIX.length()).toLowerCase(Locale.ROOT),
                        e.getValue()));
        return out;
    }

    private static void putIf(ObjectNode n, String key, String value) {
        if (value != null && !value.isBlank()) {
            n.put(key, value);
        }
    }

    private static void texts(JsonNode n, Map<String, String> into) {
        if (n.isTextual()) {
            placeholders(n.asText(), into);
        } else {
            n.forEach(c -> texts(c, into));
        }
    }

    /** Each {@code {{name}}} in {@code text} by its name, as first written. */
    private static void placeholders(String text, Map<String, String> into) {
        Matcher m = TemplateParser.PLACEHOLDER.matcher(text);
        while (m.find()) {
            into.putIfAbsent(m.group(1), m.group());
        }
    }
}
