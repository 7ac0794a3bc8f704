package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.AgentProcesses;
import dev.pilothouse.testing.DroppingAgent;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local runtime reaches its agents over loopback HTTP, where a connection can break too while
 * the agent lives on (an agent's own fault): the engine restarts the agents as for a Kubernetes
 * port-forward lost mid-reply, so the next message is not refused by an agent still at the last.
 */
class LostConnectionTest extends EngineTestBase {

    @Test
    void aConnectionLostMidReplyToAnAgentThatLivesOnRestartsItSoTheNextMessageIsTaken() {
        engine.createAgent(new AgentDefinition(null, "dropping", null, DroppingAgent.command(), null, null, Map.of(), 0,
                new Resources(null, null, null), null, null, null, null));
        Session s = engine.create(CreateRequest.of("dropped", "dropping"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        List<Long> before = AgentProcesses.of(s.id());

        SendResult cut = engine.send(s.id(), null, "drop", null);

        assertThat(cut.failed()).isTrue();
        assertThat(cut.reply().content()).isEqualTo("working on it");
        assertThat(cut.reply().error()).startsWith("the connection to agent 'dropping' failed: ")
                .contains("the session's agents were restarted");
        assertThat(engine.session(s.id()).state()).isEqualTo(SessionState.READY);
        assertThat(AgentProcesses.of(s.id())).as("the busy agent was replaced").hasSize(1).doesNotContainAnyElementsOf(before);

        SendResult next = engine.send(s.id(), null, "hello", null);
        assertThat(next.reply().content()).as(next.reply().error()).isEqualTo("got it");
    }
}
