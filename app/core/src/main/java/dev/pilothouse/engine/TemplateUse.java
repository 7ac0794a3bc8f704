package dev.pilothouse.engine;

import java.util.Map;

/**
 * A session to be made from a stored template: its name, which version (null: the latest), and the
 * values of its parameters (docs/templates.md).
 */
public record TemplateUse(String name, Integer version, Map<String, String> parameters) {
    public TemplateUse {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }
}
