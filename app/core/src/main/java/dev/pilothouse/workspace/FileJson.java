package dev.pilothouse.workspace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.time.Instant;
import java.util.Locale;

/** Workspace entries and text pages as JSON, the same for {@code sessions files -o json} and the REST API. */
public final class FileJson {
    private FileJson() {
    }

    public static ObjectNode entry(FileEntry e) {
        ObjectNode n = Json.object().put("path", e.path()).put("name", e.name())
                .put("type", e.type().name().toLowerCase(Locale.ROOT)).put("size", e.size())
                .put("modified_at", e.modified() == null ? null : Json.time(e.modified()));
        if (e.target() != null) {
            n.put("target", e.target());
        }
        return n;
    }

    public static FileEntry entryFrom(JsonNode n) {
        JsonNode modified = n.get("modified_at");
        JsonNode target = n.get("target");
        return new FileEntry(n.path("path").asText(), n.path("name").asText(),
                FileEntry.Type.valueOf(n.path("type").asText("other").toUpperCase(Locale.ROOT)), n.path("size").asLong(),
                modified == null || modified.isNull() ? null : Instant.parse(modified.asText()),
                target == null || target.isNull() ? null : target.asText());
    }

    public static ObjectNode page(TextPage p) {
        return Json.object().put("path", p.path()).put("offset", p.offset()).put("next_offset", p.nextOffset())
                .put("size", p.size()).put("last", p.last()).put("binary", p.binary()).put("text", p.text());
    }

    public static TextPage pageFrom(JsonNode n) {
        JsonNode text = n.get("text");
        return new TextPage(n.path("path").asText(), n.path("offset").asLong(), n.path("next_offset").asLong(),
                n.path("size").asLong(), n.path("binary").asBoolean(), text == null || text.isNull() ? null : text.asText());
    }
}
