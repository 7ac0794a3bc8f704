package dev.pilothouse.template;

import dev.pilothouse.agent.AgentDefinition;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a template's per-agent {@code config} reaches the agent (docs/templates.md): {@code model}
 * and {@code instructions} replace the definition's for this session (so the agent reads them as
 * PILOTHOUSE_MODEL and PILOTHOUSE_INSTRUCTIONS); every other key becomes the environment variable
 * {@code PILOTHOUSE_CONFIG_<KEY>} (upper case, other characters as _).
 */
public final class TemplateConfig {
    public static final String ENV_PREFIX = "PILOTHOUSE_CONFIG_";

    private TemplateConfig() {
    }

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
    }

    /** The session's copy of a definition with the template's config applied. */
    public static AgentDefinition apply(AgentDefinition a, Map<String, String> config) {
        if (config == null || config.isEmpty()) {
            return a;
        }
        String model = a.model();
        String instructions = a.instructions();
        Map<String, String> env = new LinkedHashMap<>(a.env() == null ? Map.of() : a.env());
        for (Map.Entry<String, String> e : config.entrySet()) {
            switch (e.getKey()) {
                case "model" -> model = e.getValue();
                case "instructions" -> instructions = e.getValue();
                default -> env.put(envName(e.getKey()), e.getValue());
            }
        }
        return new AgentDefinition(a.id(), a.name(), a.image(), a.command(), model, instructions, env, a.port(),
                a.resources(), a.createdAt(), a.updatedAt(), a.deletedAt(), a.replyTimeoutSeconds());
    }
}
