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
        Instant deletedAt) {

    public static final int DEFAULT_PORT = 8080;

    public AgentDefinition {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }

    public boolean deleted() {
        return deletedAt != null;
    }
}
