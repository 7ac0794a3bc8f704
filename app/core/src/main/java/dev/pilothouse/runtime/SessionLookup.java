package dev.pilothouse.runtime;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a runtime may ask its engine about sessions it is given only by id: a Kubernetes runtime
 * needs a session's namespace to find its objects.
 */
public interface SessionLookup {
    SessionLookup NONE = new SessionLookup() {
        @Override
        public Optional<Session> session(String id) {
            return Optional.empty();
        }

        @Override
        public List<AgentDefinition> agents(String id) {
            return List.of();
        }

        @Override
        public Set<String> namespaces(String context) {
            return Set.of();
        }
    };

    Optional<Session> session(String id);

    /** The definitions of a session's agents, as the session keeps them. */
    List<AgentDefinition> agents(String id);

    /** The namespaces the store has sessions in, for a context. */
    Set<String> namespaces(String context);
}
