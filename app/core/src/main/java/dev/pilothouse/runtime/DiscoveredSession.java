package dev.pilothouse.runtime;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;

import java.util.List;

/**
 * A session a runtime found on its own (on a cluster, from the labels and annotations of its
 * objects), with the spec it was created with, so that an engine whose store does not know it can
 * adopt it. Its state and phase are what the runtime saw, not what the creating engine recorded.
 */
public record DiscoveredSession(Session session, List<AgentDefinition> agents) {
    public DiscoveredSession {
        agents = List.copyOf(agents);
    }
}
