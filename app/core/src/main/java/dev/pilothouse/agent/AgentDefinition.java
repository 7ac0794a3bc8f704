package dev.pilothouse.agent;

import dev.pilothouse.session.Resources;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A registered agent: how to run it locally ({@code command}) and on Kubernetes ({@code image}),
 * and what it is told ({@code model}, {@code instructions}, {@code env}). A session keeps a copy
 * of each definition as it was when the agent was assigned, so later edits to the registry never
 * change a running session.
 */
public record AgentDefinition(
        String id,
        String name,
        String image,
        List<String> command,
        String model,
        String instructions,
        Map<String, String> env,
        int port,
        Resources resources,
        Instant createdAt,
        Instant updatedAt,
        Instant deletedAt,
        Integer replyTimeoutSeconds) {

    public static final int DEFAULT_PORT = 8080;
    /** How long a reply may take when the definition does not say ({@code reply_timeout_seconds}): 10 minutes. */
    public static final int DEFAULT_REPLY_TIMEOUT_SECONDS = 600;

    public AgentDefinition {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }

    /** A definition with the default reply time limit. */
    public AgentDefinition(String id, String name, String image, List<String> command, String model, String instructions,
                           Map<String, String> env, int port, Resources resources, Instant createdAt, Instant updatedAt,
                           Instant deletedAt) {
        this(id, name, image, command, model, instructions, env, port, resources, createdAt, updatedAt, deletedAt, null);
    }

    /** The same definition with another reply time limit (null: the default). */
    public AgentDefinition withReplyTimeoutSeconds(Integer seconds) {
        return new AgentDefinition(id, name, image, command, model, instructions, env, port, resources, createdAt,
                updatedAt, deletedAt, seconds);
    }

    /** How long a reply from this agent may take before it is abandoned. */
    public java.time.Duration replyTimeout() {
        return java.time.Duration.ofSeconds(replyTimeoutSeconds == null ? DEFAULT_REPLY_TIMEOUT_SECONDS : replyTimeoutSeconds);
    }

    public boolean deleted() {
        return deletedAt != null;
    }
}
