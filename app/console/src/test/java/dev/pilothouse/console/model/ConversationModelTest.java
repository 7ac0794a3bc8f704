package dev.pilothouse.console.model;

import dev.pilothouse.agent.AgentEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain JUnit, no toolkit: drafts, send state and the streaming reply, per session. */
class ConversationModelTest {
    private static final AgentEvent DONE = new AgentEvent(AgentEvent.Type.DONE, null, null, null);

    @Test
    void draftsAndErrorsBelongToTheirSession() {
        ConversationModel m = new ConversationModel();
        m.keepDraft("a", "for a");
        assertThat(m.draft("b")).isEmpty();
        assertThat(m.draft("a")).isEqualTo("for a");

        m.sendStarted("a");
        assertThat(m.sending("a")).isTrue();
        assertThat(m.sending("b")).isFalse();
        m.sendFailed("a", "session is deleted");
        assertThat(m.error("a")).isEqualTo("session is deleted");
        assertThat(m.error("b")).isEmpty();
        assertThat(m.draft("a")).as("a failed message stays").isEqualTo("for a");
        assertThat(m.sending("a")).isFalse();

        m.sendStarted("a");
        assertThat(m.error("a")).as("a new attempt clears the old error").isEmpty();
        assertThat(m.sendDelivered("a", "for a", "for a")).isEmpty();
        assertThat(m.draft("a")).isEmpty();
        m.sendStarted("b");
        assertThat(m.sendDelivered("b", "first", "first and more")).as("typed meanwhile: kept").isEqualTo("first and more");
    }

    @Test
    void aReplyStreamsFromItsFirstPieceToItsDone() {
        ConversationModel m = new ConversationModel();
        assertThat(m.streaming("a")).isNull();
        assertThat(m.streamed("a", "reference", List.of(AgentEvent.delta("hel"))).text()).isEqualTo("hel");
        assertThat(m.streamed("a", "reference", List.of(AgentEvent.toolOutput("stdout", "lo"))).text()).isEqualTo("hello");
        assertThat(m.streaming("b")).isNull();
        assertThat(m.streamed("a", "reference", List.of(AgentEvent.delta("!"), DONE))).as("done ends it").isNull();
        // pieces and done arriving together after the send returned leave nothing behind
        m.replyEnded("a");
        assertThat(m.streamed("a", "reference", List.of(AgentEvent.delta("late"), DONE))).isNull();
        assertThat(m.streamed("a", "x", List.of(new AgentEvent(AgentEvent.Type.ERROR, "boom", null, null)))).isNull();
    }

    @Test
    void theHintNamesTheAgent() {
        assertThat(ConversationModel.hint("helper")).contains("to helper").doesNotContain("reference");
        assertThat(ConversationModel.hint("reference")).contains("to reference").contains("\"$ \"");
    }
}
