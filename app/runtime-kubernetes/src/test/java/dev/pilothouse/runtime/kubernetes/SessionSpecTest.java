package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The session id read from a spec annotation: what every reconcile asks of every pod and PVC. */
class SessionSpecTest {
    @Test
    void theIdOfAWrittenSpecIsReadBack() {
        Instant now = Instant.parse("2026-12-05T20:00:00Z");
        AgentDefinition a = new AgentDefinition("agent-1", "reference", "img", List.of(), null, null, Map.of(), 8080,
                Resources.DEFAULT, now, now, null);
        Session s = new Session("5f0c3c1e-0000-4000-8000-000000000001", "work", "ctx", "ns", "hello", SessionState.READY,
                Phase.RUNNING, 300, 3600, "{\"k\":\"v\"}", List.of(new SessionAgent(a.id(), a.name(), a.model(), a.image())),
                Resources.DEFAULT, null, "me", now, now, now, null, null, null, null, 1);
        String spec = SessionSpec.annotations(s, List.of(a)).get(ObjectNames.SPEC);
        assertThat(SessionSpec.id(spec)).isEqualTo(s.id());
    }

    @Test
    void theIdIsFoundWhereverItStandsAndNestedIdsAreNotTakenForIt() {
        assertThat(SessionSpec.id("{\"name\":\"w\",\"metadata\":{\"id\":\"inner\"},\"agents\":[{\"id\":\"x\"}],\"id\":\"outer\"}"))
                .isEqualTo("outer");
    }

    @Test
    void noIdGivesNullSoTheLabelIsUsed() {
        assertThat(SessionSpec.id(null)).isNull();
        assertThat(SessionSpec.id("")).isNull();
        assertThat(SessionSpec.id("{\"name\":\"w\"}")).isNull();
        assertThat(SessionSpec.id("{\"id\":42}")).isNull();
        assertThat(SessionSpec.id("[\"id\"]")).isNull();
        assertThat(SessionSpec.id("{\"name\": broken")).isNull();
    }
}
