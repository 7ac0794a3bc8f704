package dev.pilothouse.template;

import java.time.Instant;

/** One stored version of a template: the YAML as the operator gave it, and when. */
public record StoredTemplate(String name, int version, String yaml, String createdBy, Instant createdAt,
                             Instant updatedAt, Instant deletedAt) {
    /** The template this version holds (it was checked when it was applied). */
    public SessionTemplate template() {
        return TemplateParser.parse(yaml);
    }
}
