package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.Processes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Agents added to and removed from live sessions: real reference agents on the local runtime. */
class AgentSetChangeTest extends EngineTestBase {

    @BeforeEach
    void registerASecondReferenceAgent() {
        engine.createAgent(new AgentDefinition(null, "ml-predictor", null, List.of("pilothouse", "reference-agent"),
                null, null, Map.of(), 0, new Resources(null, null, null), null, null, null));
    }

    private LocalRuntime local(Session s) {
        return (LocalRuntime) engine.runtime(s);
    }

    private List<String> transitions(Session s) {
        return engine.events(s.id(), 0, 1000).stream().filter(e -> e.kind().equals(AuditEvent.TRANSITION))
                .map(e -> e.from() + ">" + e.to()).toList();
    }

    private List<AuditEvent> agentChanges(Session s) {
        return engine.events(s.id(), 0, 1000).stream().filter(e -> e.kind().equals(AuditEvent.AGENTS_CHANGED)).toList();
    }

    private static List<String> names(Session s) {
        return s.agents().stream().map(SessionAgent::name).toList();
    }

    @Test
    void anAgentAddedToAReadySessionStartsOnTheSameWorkspaceAndAnswersThenRemovedItsProcessIsGone() throws Exception {
        Session s = engine.create(CreateRequest.of("day-two", "reference").withPrompt("$ echo day-one > notes.txt"), null)
                .session();
        LocalRuntime runtime = local(s);
        Path workspace = runtime.workspace(s.id());
        assertThat(runtime.pids(s.id())).hasSize(1);

        Session added = engine.update("day-two", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null);

        assertThat(added.state()).isEqualTo(SessionState.READY);
        assertThat(added.phase()).isEqualTo(Phase.RUNNING);
        assertThat(names(added)).containsExactly("reference", "ml-predictor");
        assertThat(names(fresh(s))).containsExactly("reference", "ml-predictor");
        assertThat(runtime.pids(s.id())).hasSize(2);
        // the new agent runs in the session's workspace: it reads what the first one wrote there
        SendResult r = engine.send("day-two", "ml-predictor", "$ cat notes.txt && echo $PILOTHOUSE_AGENT_NAME", null);
        assertThat(r.reply().agent()).isEqualTo("ml-predictor");
        assertThat(r.reply().content()).contains("day-one").contains("ml-predictor");
        // the seed's state machine: READY to IDLE while the agents restart, then READY
        assertThat(transitions(s)).containsSubsequence("INIT>READY", "READY>IDLE", "IDLE>READY");
        AuditEvent change = agentChanges(s).get(0);
        assertThat(change.actor()).isEqualTo("alice");
        assertThat(Json.parse(change.detail()).path("added").toString()).isEqualTo("[\"ml-predictor\"]");
        assertThat(Json.parse(change.detail()).path("applied").asText()).isEqualTo("now");

        ProcessHandle predictor = ProcessHandle.of(pidOf(runtime, s, "ml-predictor")).orElseThrow();
        List<ProcessHandle> predictorTree = Stream.concat(Stream.of(predictor),
                predictor.descendants()).toList();
        Session removed = engine.update("day-two", UpdateRequest.agents(List.of(), List.of("ml-predictor")), null);

        assertThat(removed.state()).isEqualTo(SessionState.READY);
        assertThat(names(removed)).containsExactly("reference");
        assertThat(predictorTree).as("the removed agent's processes").noneMatch(Processes::running);
        assertThat(runtime.pids(s.id())).hasSize(1);
        assertThat(Files.readString(workspace.resolve("notes.txt"))).isEqualTo("day-one\n");
        assertThatThrownBy(() -> engine.send("day-two", "ml-predictor", "hello", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no agent 'ml-predictor'");
        assertThat(engine.send("day-two", null, "$ cat notes.txt", null).reply().content()).contains("day-one");
        assertThat(agentChanges(s)).hasSize(2);
        assertThat(Json.parse(agentChanges(s).get(1).detail()).path("removed").toString()).isEqualTo("[\"ml-predictor\"]");
    }

    /** The pid of one agent's process (its run record's). */
    private static long pidOf(LocalRuntime runtime, Session s, String agent) throws Exception {
        Path record = runtime.workspace(s.id()).resolveSibling("run").resolve(agent + ".json");
        return Json.parse(Files.readString(record)).path("pid").asLong();
    }

    @Test
    void removingTheLeadMakesTheNextAgentLead() {
        engine.create(CreateRequest.of("lead", "reference", "ml-predictor"), null);
        Session after = engine.update("lead", UpdateRequest.agents(List.of(), List.of("reference")), null);
        assertThat(after.leadAgent().name()).isEqualTo("ml-predictor");
        assertThat(engine.send("lead", null, "$ echo $PILOTHOUSE_AGENT_NAME", null).reply().content())
                .contains("ml-predictor");
    }

    @Test
    void anIdleSessionStoresTheNewSetAndStartsItAtResume() {
        Session s = engine.create(CreateRequest.of("paused", "reference"), null).session();
        engine.pause("paused");
        LocalRuntime runtime = local(s);

        Session stored = engine.update("paused", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null);
        assertThat(stored.state()).isEqualTo(SessionState.IDLE);
        assertThat(stored.phase()).isEqualTo(Phase.PAUSED);
        assertThat(names(stored)).containsExactly("reference", "ml-predictor");
        assertThat(runtime.pids(s.id())).as("nothing started while paused").isEmpty();
        assertThat(Json.parse(agentChanges(s).get(0).detail()).path("applied").asText()).isEqualTo("at resume");

        assertThat(engine.resume("paused").state()).isEqualTo(SessionState.READY);
        assertThat(runtime.pids(s.id())).hasSize(2);
        assertThat(engine.send("paused", "ml-predictor", "$ echo resumed", null).reply().content()).contains("resumed");
    }

    @Test
    void aSessionInErrorStoresTheNewSetAndRetryStartsIt() {
        shellAgent("flaky", "exit 3");
        Session s = engine.create(CreateRequest.of("broken", "flaky"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.ERROR);

        Session stored = engine.update("broken", UpdateRequest.agents(List.of("reference"), List.of("flaky")), null);
        assertThat(stored.state()).isEqualTo(SessionState.ERROR);
        assertThat(names(stored)).containsExactly("reference");

        Session retried = engine.retry("broken");
        assertThat(retried.state()).isEqualTo(SessionState.READY);
        assertThat(engine.send("broken", null, "$ echo fixed", null).reply().content()).contains("fixed");
    }

    @Test
    void refusalsSayWhatWasWrongAndChangeNothing() {
        Session s = engine.create(CreateRequest.of("careful", "reference"), null).session();
        long version = fresh(s).version();

        assertThatThrownBy(() -> engine.update("careful", UpdateRequest.agents(List.of(), List.of("reference")), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("last agent")
                .hasMessageContaining("at least one agent");
        assertThatThrownBy(() -> engine.update("careful", UpdateRequest.agents(List.of("nobody"), List.of()), null))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("no agent named 'nobody'")
                .hasMessageContaining("registered agents").hasMessageContaining("ml-predictor");
        assertThatThrownBy(() -> engine.update("careful", UpdateRequest.agents(List.of("reference"), List.of()), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("already in session 'careful'");
        assertThatThrownBy(() -> engine.update("careful", UpdateRequest.agents(List.of(), List.of("ml-predictor")), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("has no such agent")
                .hasMessageContaining("[reference]");
        assertThatThrownBy(() -> engine.update("careful",
                UpdateRequest.agents(List.of("ml-predictor", "ml-predictor"), List.of()), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("given twice");

        Session after = fresh(s);
        assertThat(after.version()).isEqualTo(version);
        assertThat(names(after)).containsExactly("reference");
        assertThat(after.state()).isEqualTo(SessionState.READY);
        assertThat(agentChanges(s)).isEmpty();
    }

    @Test
    void aBusySessionIsRefusedUntilTheReplyCame() throws Exception {
        Session s = engine.create(CreateRequest.of("working", "reference"), null).session();
        Path workspace = local(s).workspace(s.id());
        CompletableFuture<SendResult> reply = CompletableFuture.supplyAsync(() ->
                engine.send("working", null, "$ while [ ! -f go ]; do sleep 0.05; done; echo done", null));
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.BUSY);

        assertThatThrownBy(() -> engine.update("working", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("BUSY").hasMessageContaining("wait for the reply");

        Files.writeString(workspace.resolve("go"), "");
        assertThat(reply.get().reply().content()).contains("done");
        assertThat(names(fresh(s))).containsExactly("reference");
        assertThat(engine.update("working", UpdateRequest.agents(List.of("ml-predictor"), List.of()), null).state())
                .isEqualTo(SessionState.READY);
    }

    @Test
    void cpuAndMemoryAreStoredForTheNextStartAndStorageIsRefused() {
        Session s = engine.create(CreateRequest.of("sized", "reference"), null).session();
        Session after = engine.update("sized", new UpdateRequest(null, null, null, null, Map.of(), List.of(),
                new Resources("2", "4Gi", null), List.of(), List.of()), null);

        assertThat(after.resources()).isEqualTo(new Resources("2", "4Gi", s.resources().storage()));
        assertThat(after.state()).isEqualTo(SessionState.READY);
        assertThat(SessionResources.whenApplied(after, false)).contains("next start").contains("pause and resume");
        assertThat(engine.events(s.id(), 0, 100)).filteredOn(e -> e.kind().equals(AuditEvent.UPDATED))
                .extracting(AuditEvent::detail).anyMatch(d -> d.contains("resources") && d.contains("4Gi"));
        assertThatThrownBy(() -> engine.update("sized", new UpdateRequest(null, null, null, null, Map.of(), List.of(),
                new Resources(null, null, "50Gi"), List.of(), List.of()), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("storage cannot change");
        assertThatThrownBy(() -> engine.update("sized", new UpdateRequest(null, null, null, null, Map.of(), List.of(),
                new Resources("lots", null, null), List.of(), List.of()), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("invalid cpu 'lots'");
    }
}
