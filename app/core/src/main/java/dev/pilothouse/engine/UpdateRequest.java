package dev.pilothouse.engine;

import dev.pilothouse.session.Resources;

import java.util.List;
import java.util.Map;

/**
 * A change to a session's editable fields. {@code metadata} replaces the whole object;
 * {@code setMetadata} (values are JSON texts) and {@code removeMetadata} edit single keys.
 * {@code resources} changes cpu and memory (null: unchanged; storage cannot change), applied at the
 * session's next start. {@code addAgents}/{@code removeAgents} change its agents, on a READY
 * session at once by restarting them on the same volume ({@link AgentSetChange}).
 */
public record UpdateRequest(String name, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                            Map<String, String> setMetadata, List<String> removeMetadata, Resources resources,
                            List<String> addAgents, List<String> removeAgents) {

    public UpdateRequest {
        setMetadata = setMetadata == null ? Map.of() : setMetadata;
        removeMetadata = removeMetadata == null ? List.of() : removeMetadata;
        addAgents = addAgents == null ? List.of() : List.copyOf(addAgents);
        removeAgents = removeAgents == null ? List.of() : List.copyOf(removeAgents);
    }

    /** A change of fields alone: no resources, the same agents. */
    public UpdateRequest(String name, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                         Map<String, String> setMetadata, List<String> removeMetadata) {
        this(name, waitingTimeoutSeconds, ttlSeconds, metadata, setMetadata, removeMetadata, null, List.of(), List.of());
    }

    public static UpdateRequest rename(String name) {
        return new UpdateRequest(name, null, null, null, Map.of(), List.of());
    }

    /** Adds and removes agents, nothing else. */
    public static UpdateRequest agents(List<String> add, List<String> remove) {
        return new UpdateRequest(null, null, null, null, Map.of(), List.of(), null, add, remove);
    }

    public boolean changesAgents() {
        return !addAgents.isEmpty() || !removeAgents.isEmpty();
    }

    public boolean empty() {
        return name == null && waitingTimeoutSeconds == null && ttlSeconds == null && metadata == null
                && setMetadata.isEmpty() && removeMetadata.isEmpty() && !changesResources() && !changesAgents();
    }

    public boolean changesResources() {
        return resources != null && (resources.cpu() != null || resources.memory() != null || resources.storage() != null);
    }
}
