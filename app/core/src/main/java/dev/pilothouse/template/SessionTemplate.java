package dev.pilothouse.template;

import dev.pilothouse.session.Resources;

import java.util.List;
import java.util.Map;

/**
 * A {@code SessionTemplate} document (docs/templates.md), as {@link TemplateParser} read it: checked,
 * with the parameters not yet substituted. Null optional fields were not given.
 *
 * @param metadata the spec's metadata object, compact JSON, values still holding {@code {{name}}}
 */
public record SessionTemplate(String name, List<Agent> agents, Resources resources, List<String> guardrails,
                              String startingPrompt, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                              List<Parameter> parameters) {

    public static final String API_VERSION = "v1";
    public static final String KIND = "SessionTemplate";

    /** An agent by its registered name, with per-session settings (docs/templates.md: model, instructions, others as env). */
    public record Agent(String name, Map<String, String> config) {
    }

    /** A parameter; {@code defaultValue} null means it must be given when the template is used. */
    public record Parameter(String name, String defaultValue, String description) {
        public boolean required() {
            return defaultValue == null;
        }
    }

    public List<String> agentNames() {
        return agents.stream().map(Agent::name).toList();
    }
}
