package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.AgentProcesses;
import dev.pilothouse.testing.EngineTestBase;
import dev.pilothouse.testing.HungAgent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 5: a pending reply never blocks the operator. Pause, delete and retry cancel it
 * (the HTTP call aborted, the agent stopped or restarted, the reply kept as cancelled with who
 * cancelled it); a reply that does not come within the agent's limit fails and the agents are
 * restarted; a hung agent holds up nothing else; and a port answered by another process is never
 * taken for the agent.
 */
class PendingReplyTest extends EngineTestBase {

    private AgentDefinition hungAgent(Integer replyTimeoutSeconds) {
        return engine.createAgent(new AgentDefinition(null, "hung", null, HungAgent.command(), null, null, Map.of(), 0,
                new Resources(null, null, null), null, null, null, replyTimeoutSeconds));
    }

    private List<String> transitions(Session s) {
        return engine.events(s.id(), 0, 1000).stream().filter(e -> e.kind().equals(AuditEvent.TRANSITION))
                .map(e -> e.from() + ">" + e.to() + " by " + e.actor()).toList();
    }

    private Message lastMessage(Session s) {
        List<Message> m = engine.messages(s.id(), 0, null, 1000);
        return m.get(m.size() - 1);
    }

    /** Sends in the background and waits until the session is BUSY with the reply pending. */
    private CompletableFuture<SendResult> pendingReply(Session s, String text, List<AgentEvent> streamed) {
        CompletableFuture<SendResult> f = CompletableFuture.supplyAsync(() -> engine.send(s.id(), null, text, streamed::add));
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.BUSY);
        return f;
    }

    @Test
    void pauseWhileAReplyIsPendingCancelsItStopsTheAgentAndKeepsWhatArrived() throws Exception {
        Session s = engine.create(CreateRequest.of("paused-mid-reply", "reference"), null).session();
        List<Long> before = AgentProcesses.of(s.id());
        assertThat(before).hasSize(1);
        List<AgentEvent> streamed = new CopyOnWriteArrayList<>();
        CompletableFuture<SendResult> sending = pendingReply(s, "$ echo partial-output; sleep 600", streamed);
        await().atMost(Duration.ofSeconds(30)).until(() -> streamed.stream().anyMatch(e -> e.text() != null
                && e.text().contains("partial-output")));

        Session paused = engine.pause(s.id());

        assertThat(paused.state()).isEqualTo(SessionState.IDLE);
        assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
        assertThat(paused.owner()).isNull();
        assertThat(AgentProcesses.of(s.id())).as("the agent (and its sleep) stopped").isEmpty();
        SendResult r = sending.get(30, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(r.reply().status()).isEqualTo(Message.Status.CANCELLED);
        assertThat(r.reply().error()).isEqualTo("cancelled by alice (pause) while the reply was pending");
        assertThat(r.reply().content()).isEqualTo("partial-output\n");
        assertThat(lastMessage(s)).isEqualTo(r.reply());
        assertThat(transitions(s)).containsSubsequence("READY>BUSY by alice", "BUSY>READY by alice", "READY>IDLE by alice");
        assertThat(engine.events(s.id(), 0, 1000)).anyMatch(e -> e.kind().equals(AuditEvent.TRANSITION)
                && e.to() == SessionState.READY && e.reason().equals("reply from agent 'reference' cancelled by alice (pause)"));

        // and the session works again: a message resumes it
        assertThat(engine.send(s.id(), null, "$ echo back", null).reply().content()).contains("back");
        assertThat(AgentProcesses.of(s.id())).hasSize(1);
    }

    @Test
    void deleteWhileAHungAgentHoldsAReplyCancelsItAndLeavesNoProcess() throws Exception {
        hungAgent(null);
        Session s = engine.create(CreateRequest.of("hung-then-deleted", "hung"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        CompletableFuture<SendResult> sending = pendingReply(s, "anything", new CopyOnWriteArrayList<>());

        Session deleted = engine.delete(s.id());

        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.state()).isEqualTo(SessionState.IDLE);
        assertThat(AgentProcesses.of(s.id())).isEmpty();
        SendResult r = sending.get(30, TimeUnit.SECONDS);
        assertThat(r.reply().status()).isEqualTo(Message.Status.CANCELLED);
        assertThat(r.reply().error()).contains("cancelled by alice (delete)");
        assertThat(r.reply().content()).isEmpty();
        assertThat(transitions(s)).containsSubsequence("READY>BUSY by alice", "BUSY>READY by alice", "READY>IDLE by alice");
        assertThat(engine.events(s.id(), 0, 1000)).extracting(AuditEvent::kind).contains(AuditEvent.DELETED);
    }

    @Test
    void retryWhileAReplyIsPendingCancelsItAndRestartsTheAgents() throws Exception {
        Session s = engine.create(CreateRequest.of("retried-mid-reply", "reference"), null).session();
        List<Long> before = AgentProcesses.of(s.id());
        CompletableFuture<SendResult> sending = pendingReply(s, "$ sleep 600", new CopyOnWriteArrayList<>());

        Session retried = engine.retry(s.id());

        assertThat(retried.state()).isEqualTo(SessionState.READY);
        assertThat(retried.owner()).isNull();
        List<Long> after = AgentProcesses.of(s.id());
        assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
        SendResult r = sending.get(30, TimeUnit.SECONDS);
        assertThat(r.reply().status()).isEqualTo(Message.Status.CANCELLED);
        assertThat(r.reply().error()).contains("cancelled by alice (retry)");
        // BUSY until the restarted agents answer, then READY: no detour through IDLE or ERROR
        assertThat(transitions(s)).containsExactly("INIT>READY by engine", "READY>BUSY by alice", "BUSY>READY by engine");
        assertThat(engine.send(s.id(), null, "$ echo fresh", null).reply().content()).contains("fresh");
    }

    @Test
    void aReplyThatDoesNotComeWithinTheAgentsLimitFailsAndItsAgentsAreRestarted() throws Exception {
        AgentDefinition hung = hungAgent(1);
        assertThat(engine.agent("hung").replyTimeoutSeconds()).isEqualTo(1);
        Session s = engine.create(CreateRequest.of("too-slow", "hung"), null).session();
        assertThat(engine.agentDefinitions(s.id()).get(0).replyTimeoutSeconds()).as("kept in the session's copy").isEqualTo(1);
        List<Long> before = AgentProcesses.of(s.id());

        SendResult r = engine.send(s.id(), null, "hello?", null);

        assertThat(r.failed()).isTrue();
        assertThat(r.reply().status()).isEqualTo(Message.Status.ERROR);
        assertThat(r.reply().error()).startsWith("no reply from agent 'hung' within 1 s (its reply_timeout_seconds)");
        assertThat(r.session().state()).isEqualTo(SessionState.READY);
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
        assertThat(AgentProcesses.of(s.id())).as("the stuck agent was replaced").hasSize(1).doesNotContainAnyElementsOf(before);
        assertThat(engine.events(s.id(), 0, 1000)).anyMatch(e -> e.reason() != null
                && e.reason().startsWith("no reply from agent 'hung' within 1 s"));
        assertThat(transitions(s)).containsExactly("INIT>READY by engine", "READY>BUSY by alice", "BUSY>READY by engine");
        assertThat(hung.replyTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theReplyTimeoutIsValidated() {
        assertThatThrownBy(() -> hungAgent(0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("reply_timeout_seconds 0 is out of range; accepted: 1 to 604800");
        assertThat(engine.agent("reference").replyTimeout()).as("the default").isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aHungAgentHoldsUpNothingElse() throws Exception {
        hungAgent(null);
        Session hung = engine.create(CreateRequest.of("stuck", "hung"), null).session();
        CompletableFuture<SendResult> sending = pendingReply(hung, "never answered", new CopyOnWriteArrayList<>());

        // meanwhile every other command, on other sessions and on this one, goes on
        CompletableFuture<Void> others = CompletableFuture.runAsync(() -> {
            Session other = engine.create(CreateRequest.of("unaffected", "reference"), null).session();
            assertThat(engine.send(other.id(), null, "$ echo fine", null).reply().content()).contains("fine");
            engine.pause(other.id());
            engine.reconcile();
            engine.sweep();
            engine.update(hung.id(), new UpdateRequest(null, null, null, null, Map.of("note", "\"stuck\""), List.of()), null);
            assertThat(engine.messages(hung.id(), 0, null, 10)).hasSize(1);
            assertThatThrownBy(() -> engine.send(hung.id(), null, "second", null)).hasMessageContaining("BUSY");
        });
        others.get(120, TimeUnit.SECONDS);
        assertThat(sending).isNotDone();
        assertThat(fresh(hung).state()).isEqualTo(SessionState.BUSY);

        engine.pause(hung.id());
        assertThat(sending.get(30, TimeUnit.SECONDS).cancelled()).isTrue();
        assertThat(AgentProcesses.of(hung.id())).isEmpty();
    }

    @Test
    void aPortAnsweredByAnotherProcessIsNeverTakenForTheAgent() {
        engine.close(); // one engine per data dir
        Engine quick = openEngine("alice", c -> c.withStartTimeout(Duration.ofSeconds(4)));
        // a real reference agent on the port given to this session's agent, holding another token:
        // what the engine meets when another data dir's agent answers a port it was given
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c",
                "PILOTHOUSE_AGENT_TOKEN=token-of-another-session exec \"$@\"", "impostor"));
        command.addAll(HungAgent.command().subList(0, 1));
        command.addAll(List.of("-Xmx64m", "-cp", HungAgent.absoluteClassPath(),
                "dev.pilothouse.agent.reference.ReferenceAgent"));
        quick.createAgent(new AgentDefinition(null, "impostor", null, command, null, null, Map.of(), 0,
                new Resources(null, null, null), null, null, null));

        Session s = quick.create(CreateRequest.of("wrong-port", "impostor"), null).session();

        assertThat(s.state()).isEqualTo(SessionState.ERROR);
        Matcher port = Pattern.compile("port (\\d+) is answered by another process: it holds another token "
                + "\\(it says it is agent 'impostor' of session " + s.id() + "\\)").matcher(s.terminationReason());
        assertThat(port.find()).as(s.terminationReason()).isTrue();
        assertThat(s.terminationReason()).contains("did not answer /healthz as themselves within 4 s");
        assertThat(quick.events(s.id(), 0, 100)).noneMatch(e -> e.to() == SessionState.READY);
        assertThat(AgentProcesses.of(s.id())).isEmpty();
        assertThat(((LocalRuntime) quick.runtime(s)).pids(s.id())).isEmpty();
    }
}
