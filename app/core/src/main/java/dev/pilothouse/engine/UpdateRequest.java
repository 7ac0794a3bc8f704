package dev.pilothouse.engine;

import java.util.List;
import java.util.Map;

/**
 * A change to a session's editable fields. {@code metadata} replaces the whole object;
 * {@code setMetadata} (values are JSON texts) and {@code removeMetadata} edit single keys.
 */
public record UpdateRequest(String name, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                            Map<String, String> setMetadata, List<String> removeMetadata) {

    public static UpdateRequest rename(String name) {
        return new UpdateRequest(name, null, null, null, Map.of(), List.of());
    }

    public boolean empty() {
        return name == null && waitingTimeoutSeconds == null && ttlSeconds == null && metadata == null
                && setMetadata.isEmpty() && removeMetadata.isEmpty();
    }
}
