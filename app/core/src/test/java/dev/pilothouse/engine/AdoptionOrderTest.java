package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The order sessions found on a cluster are adopted in: parents first, else by id. */
class AdoptionOrderTest {
    private static final Instant NOW = Instant.parse("2026-12-05T20:00:00Z");
    private static final AgentDefinition AGENT = new AgentDefinition("agent-1", "reference", null, List.of("agent"), null,
            null, Map.of(), 8080, Resources.DEFAULT, NOW, NOW, null);

    private static DiscoveredSession found(String id, String parent) {
        return new DiscoveredSession(Fixtures.newSession(AGENT, "s-" + id, SessionState.READY, NOW).toBuilder().id(id)
                .parentSessionId(parent).build(), List.of(AGENT));
    }

    private static List<String> ids(List<DiscoveredSession> order) {
        return order.stream().map(d -> d.session().id()).toList();
    }

    @Test
    void sessionsWithoutParentsComeInIdOrder() {
        assertThat(ids(Lifecycle.adoptionOrder(List.of(found("c", null), found("a", null), found("b", null)))))
                .containsExactly("a", "b", "c");
    }

    @Test
    void aParentComesBeforeItsChildrenEvenWhenItsIdSortsAfterThem() {
        // a remix chain z → m → a, whose ids sort the other way round, and a child of a parent not found
        List<DiscoveredSession> order = Lifecycle.adoptionOrder(List.of(found("a", "m"), found("m", "z"), found("z", null),
                found("b", "gone")));
        assertThat(ids(order)).containsExactly("b", "z", "m", "a");
    }

    @Test
    void aCycleOfParentsIsStillAdoptedWhole() {
        List<DiscoveredSession> order = Lifecycle.adoptionOrder(List.of(found("x", "y"), found("y", "x"), found("a", null)));
        assertThat(ids(order)).containsExactly("a", "x", "y");
    }
}
