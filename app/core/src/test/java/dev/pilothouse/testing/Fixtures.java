package dev.pilothouse.testing;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builds sessions straight into a store, for tests of the store itself. */
public final class Fixtures {
    private Fixtures() {
    }

    public static AgentDefinition reference(Store store) {
        return store.read(tx -> tx.findLiveAgent("reference")).orElseThrow();
    }

    public static Session newSession(AgentDefinition agent, String name, SessionState state, Instant now) {
        return new Session(UUID.randomUUID().toString(), name, "local", "default", "", state, Phase.RUNNING, 300, 86400,
                "{}", List.of(new SessionAgent(agent.id(), agent.name(), agent.model(), agent.image())), Resources.DEFAULT,
                null, "tester", now, now, now, null, null, null, null, 0);
    }

    public static Session insert(Store store, AgentDefinition agent, String name, SessionState state, Instant now) {
        Session s = newSession(agent, name, state, now);
        return store.write(tx -> tx.insertSession(s, List.of(agent), "tester", "test", null));
    }
}
