package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;

/**
 * A template's request with what the operator gave over it (docs/templates.md): each field given
 * replaces the template's, resources field by field; given metadata replaces the template's but the
 * session still records which template it came from; given guardrails replace the template's list (none
 * given keeps the template's, as on the CLI and the API).
 */
final class TemplateRequests {
    private TemplateRequests() {
    }

    static CreateRequest over(CreateRequest template, CreateRequest given) {
        if (given == null) {
            return template;
        }
        String metadata = template.metadata();
        if (given.metadata() != null) {
            ObjectNode over = (ObjectNode) Json.parse(given.metadata());
            JsonNode from = Json.parse(template.metadata());
            over.set("template", from.get("template"));
            over.set("template_version", from.get("template_version"));
            metadata = Json.compact(over);
        }
        Resources r = given.resources() == null ? template.resources()
                : template.resources() == null ? given.resources() : given.resources().withDefaults(template.resources());
        return new CreateRequest(given.name(), given.context(), given.namespace(),
                given.agents() != null && !given.agents().isEmpty() ? given.agents() : template.agents(),
                given.startingPrompt() != null ? given.startingPrompt() : template.startingPrompt(),
                given.waitingTimeoutSeconds() != null ? given.waitingTimeoutSeconds() : template.waitingTimeoutSeconds(),
                given.ttlSeconds() != null ? given.ttlSeconds() : template.ttlSeconds(), metadata, r,
                given.guardrails() != null && !given.guardrails().isEmpty() ? given.guardrails() : template.guardrails(), template.agentConfig());
    }
}
