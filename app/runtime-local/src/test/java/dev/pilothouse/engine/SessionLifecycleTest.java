package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.Processes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SessionLifecycleTest extends EngineTestBase {

    private LocalRuntime local() {
        return (LocalRuntime) engine.runtime(engine.session(engine.sessions(true).get(0).id()));
    }

    private List<String> transitions(Session s) {
        return engine.events(s.id(), 0, 1000).stream().filter(e -> e.kind().equals(AuditEvent.TRANSITION))
                .map(e -> e.from() + ">" + e.to()).toList();
    }

    @Test
    void createBecomesReadyAndDeliversTheStartingPromptAsTheFirstMessage() throws Exception {
        List<AgentEvent> streamed = new CopyOnWriteArrayList<>();
        Engine.Started started = engine.create(CreateRequest.of("alpha", "reference")
                .withPrompt("$ echo hello > greeting.txt && cat greeting.txt"), streamed::add);

        Session s = started.session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(s.phase()).isEqualTo(Phase.RUNNING);
        assertThat(s.owner()).isNull();
        assertThat(transitions(s)).containsExactly("INIT>READY", "READY>BUSY", "BUSY>READY");

        List<Message> messages = engine.messages("alpha", 0, null, 100);
        assertThat(messages).extracting(Message::role).containsExactly(Message.Role.USER, Message.Role.AGENT);
        assertThat(messages.get(0).content()).isEqualTo("$ echo hello > greeting.txt && cat greeting.txt");
        assertThat(messages.get(1).content()).contains("hello").contains("exit code 0");
        assertThat(messages.get(1).status()).isEqualTo(Message.Status.COMPLETE);
        assertThat(streamed).extracting(AgentEvent::type).contains(AgentEvent.Type.TOOL_OUTPUT, AgentEvent.Type.DONE);

        Path workspace = local().workspace(s.id());
        assertThat(Files.readString(workspace.resolve("greeting.txt"))).isEqualTo("hello\n");
        // the agent's log is a file, readable through the engine
        List<LogLine> log = new ArrayList<>();
        engine.logs("alpha", null, LogOptions.ALL, log::addAll).close();
        assertThat(log).extracting(LogLine::text).anyMatch(l -> l.contains("listening"));
        // every change is audited with its actor
        assertThat(engine.events("alpha", 0, 100)).extracting(AuditEvent::actor).contains("alice", "engine");
    }

    @Test
    void pauseReleasesTheRuntimeAndResumeStartsAgainOnTheSameVolume() {
        Session s = engine.create(CreateRequest.of("beta", "reference").withPrompt("$ echo kept > state.txt"), null).session();
        LocalRuntime runtime = local();
        List<Long> pids = runtime.pids(s.id());
        assertThat(pids).hasSize(1);

        Session paused = engine.pause("beta");
        assertThat(paused.state()).isEqualTo(SessionState.IDLE);
        assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
        assertThat(runtime.pids(s.id())).isEmpty();
        assertThat(ProcessHandle.of(pids.get(0)).map(Processes::running).orElse(false)).isFalse();
        assertThat(runtime.workspace(s.id()).resolve("state.txt")).exists();

        Session resumed = engine.resume("beta");
        assertThat(resumed.state()).isEqualTo(SessionState.READY);
        assertThat(runtime.pids(s.id())).hasSize(1).doesNotContainAnyElementsOf(pids);
        SendResult r = engine.send("beta", null, "$ cat state.txt", null);
        assertThat(r.reply().content()).contains("kept");
        assertThat(transitions(s)).containsSubsequence("READY>IDLE", "IDLE>READY", "READY>BUSY", "BUSY>READY");
    }

    @Test
    void aMessageToAnIdleSessionResumesItFirst() {
        engine.create(CreateRequest.of("gamma", "reference"), null);
        engine.pause("gamma");
        SendResult r = engine.send("gamma", null, "$ echo back", null);
        assertThat(r.reply().content()).contains("back");
        assertThat(r.session().state()).isEqualTo(SessionState.READY);
        assertThat(transitions(r.session())).containsSubsequence("READY>IDLE", "IDLE>READY", "READY>BUSY", "BUSY>READY");
    }

    @Test
    void aSessionIsBusyWhileAMessageIsInFlightAndRefusesASecondOne() throws Exception {
        Session s = engine.create(CreateRequest.of("delta", "reference"), null).session();
        Path workspace = local().workspace(s.id());
        CompletableFuture<SendResult> first = CompletableFuture.supplyAsync(() ->
                engine.send("delta", null, "$ while [ ! -f go ]; do sleep 0.05; done; echo released", null));
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.BUSY);

        assertThatThrownBy(() -> engine.send("delta", null, "second", null))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("BUSY");
        assertThatThrownBy(() -> engine.resume("delta"))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("BUSY");
        // (a pause, delete or retry now cancels the pending reply: PendingReplyTest)

        Files.writeString(workspace.resolve("go"), "");
        SendResult r = first.get();
        assertThat(r.reply().content()).contains("released");
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
    }

    @Test
    void anAgentThatCrashesPutsTheSessionInErrorWithTheReasonAndRetryBringsItBack() {
        Session s = engine.create(CreateRequest.of("epsilon", "reference"), null).session();
        long pid = local().pids(s.id()).get(0);
        // the agent JVM is the wrapper shell's child; kill it the way a crash would end it
        ProcessHandle agent = ProcessHandle.of(pid).orElseThrow().children().findFirst().orElseThrow();
        agent.destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.ERROR);
        Session failed = fresh(s);
        assertThat(failed.terminationReason()).contains("agent 'reference'").contains("SIGKILL").contains("137");
        assertThat(failed.phase()).as("the runtime ended in a failure, not a pause").isEqualTo(Phase.FAILED);
        assertThatThrownBy(() -> engine.send("epsilon", null, "hello", null))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("ERROR").hasMessageContaining("retry");

        java.util.List<Session> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable unsubscribe = engine.subscribe(e -> {
            if (e instanceof EngineEvent.SessionChanged c && c.session().id().equals(s.id())) {
                seen.add(c.session());
            }
        });
        Session retried = engine.retry("epsilon");
        assertThat(retried.state()).isEqualTo(SessionState.READY);
        assertThat(retried.phase()).isEqualTo(Phase.RUNNING);
        assertThat(transitions(s)).containsSubsequence("READY>ERROR", "ERROR>INIT", "INIT>READY");
        // while it starts again, the failure it retries is no longer its reason; the audit trail keeps it
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(x -> x.state() == SessionState.READY));
        unsubscribe.run();
        assertThat(seen).filteredOn(x -> x.state() == SessionState.INIT).isNotEmpty()
                .allSatisfy(x -> assertThat(x.terminationReason()).isNull());
        assertThat(engine.events(s.id(), 0, 1000)).anyMatch(e -> e.kind().equals(AuditEvent.TRANSITION)
                && e.to() == SessionState.ERROR && e.reason() != null && e.reason().contains("SIGKILL"));
        assertThat(engine.send("epsilon", null, "$ echo alive", null).reply().content()).contains("alive");
    }

    @Test
    void anAgentKilledMidReplyRecordsTheReplyWithTheCrashNotReadyThenError() {
        Session s = engine.create(CreateRequest.of("zeta", "reference"), null).session();
        long pid = local().pids(s.id()).get(0);
        CompletableFuture<SendResult> reply = CompletableFuture.supplyAsync(() ->
                engine.send("zeta", null, "$ echo started; sleep 60", null));
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.BUSY);
        ProcessHandle.of(pid).orElseThrow().children().findFirst().orElseThrow().destroyForcibly();

        SendResult r = reply.join();
        assertThat(r.reply().status()).isEqualTo(Message.Status.ERROR);
        assertThat(r.reply().error()).contains("SIGKILL").contains("while processing a message").doesNotContain("Exception");
        assertThat(r.session().state()).isEqualTo(SessionState.ERROR);
        // the reply ended the session's BUSY with the crash: not READY first and ERROR a moment later
        assertThat(transitions(s)).contains("BUSY>ERROR").doesNotContain("BUSY>READY");
    }

    @Test
    void anAgentThatFailsToStartLeavesErrorWithItsExitCodeAndLastLogLines() {
        shellAgent("broken", "echo 'cannot load model weights' >&2; exit 3");
        Engine.Started started = engine.create(CreateRequest.of("zeta", "broken"), null);
        Session s = started.session();
        assertThat(s.state()).isEqualTo(SessionState.ERROR);
        assertThat(s.phase()).isEqualTo(Phase.FAILED);
        assertThat(s.terminationReason()).contains("agent 'broken' exited with code 3 during start-up")
                .contains("cannot load model weights");
        assertThat(transitions(s)).containsExactly("INIT>ERROR");
        assertThat(local().pids(s.id())).isEmpty();
    }

    @Test
    void theWaitingTimeoutIdlesAReadySessionOnTheEnginesClock() {
        Session s = engine.create(CreateRequest.of("eta", "reference").withTimeouts(600L, null), null).session();
        clock.advance(Duration.ofSeconds(599));
        engine.sweep();
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        clock.advance(Duration.ofSeconds(1));
        engine.sweep();
        Session idle = fresh(s);
        assertThat(idle.state()).isEqualTo(SessionState.IDLE);
        assertThat(idle.phase()).isEqualTo(Phase.PAUSED);
        assertThat(idle.terminationReason()).isEqualTo("waiting timeout: no messages for 600 s");
        assertThat(local().pids(s.id())).isEmpty();
        assertThat(engine.events(s.id(), 0, 100)).anyMatch(e -> e.kind().equals(AuditEvent.TRANSITION)
                && e.to() == SessionState.IDLE && e.actor().equals("engine"));
    }

    @Test
    void everyActivityRefreshesTheTtlAndExpiryCompletesTheSessionKeepingItsVolume() {
        Session s = engine.create(CreateRequest.of("theta", "reference").withTimeouts(30L * 24 * 3600, 3600L), null).session();
        clock.advance(Duration.ofMinutes(50));
        engine.send("theta", null, "$ echo work > result.txt", null);
        clock.advance(Duration.ofMinutes(50));
        engine.sweep();
        assertThat(fresh(s).completed()).as("activity 50 min ago refreshed the 1 h TTL").isFalse();

        clock.advance(Duration.ofMinutes(10));
        engine.sweep();
        Session done = fresh(s);
        assertThat(done.phase()).isEqualTo(Phase.COMPLETED);
        assertThat(done.state()).isEqualTo(SessionState.IDLE);
        assertThat(done.terminationReason()).isEqualTo("TTL expired: no activity for 3600 s");
        assertThat(local().pids(s.id())).isEmpty();
        assertThat(local().workspace(s.id()).resolve("result.txt")).exists();
        assertThatThrownBy(() -> engine.send("theta", null, "more", null))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("completed").hasMessageContaining("remix");
        assertThatThrownBy(() -> engine.resume("theta")).isInstanceOf(WrongStateException.class);
    }

    @Test
    void theAgentIdlesOutByItselfAndTheEngineRecordsIt() {
        // a real 2 s waiting timeout: the agent exits with status 0 and the engine's watcher sees it
        Session s = engine.create(CreateRequest.of("iota", "reference").withTimeouts(2L, null), null).session();
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.IDLE);
        Session idle = fresh(s);
        assertThat(idle.terminationReason()).contains("exited by itself after its waiting timeout");
        assertThat(idle.phase()).isEqualTo(Phase.PAUSED);
        assertThat(engine.resume("iota").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void deleteIsSoftAndPurgeRemovesTheVolumeForGood() {
        Session s = engine.create(CreateRequest.of("kappa", "reference").withPrompt("$ echo x > f"), null).session();
        Path workspace = local().workspace(s.id());
        Session deleted = engine.delete("kappa");
        assertThat(deleted.deletedAt()).isNotNull();
        assertThat(deleted.state()).isEqualTo(SessionState.IDLE);
        assertThat(local().pids(s.id())).isEmpty();
        assertThat(workspace.resolve("f")).exists();
        assertThat(engine.sessions(false)).extracting(Session::id).doesNotContain(s.id());
        assertThat(engine.sessions(true)).extracting(Session::id).contains(s.id());
        // the name is free again, and the deleted session is still reachable by id with its history
        engine.create(CreateRequest.of("kappa", "reference"), null);
        assertThat(engine.messages(s.id(), 0, null, 10)).hasSize(2);

        Session purged = engine.purge(s.id());
        assertThat(purged.purgedAt()).isNotNull();
        assertThat(workspace).doesNotExist();
        assertThat(engine.events(s.id(), 0, 100)).extracting(AuditEvent::kind)
                .contains(AuditEvent.CREATED, AuditEvent.DELETED, AuditEvent.PURGED);
    }

    @Test
    void aSessionWithTwoAgentsIsReadyWhenBothAnswerAndEitherCanBeAddressed() {
        engine.createAgent(new dev.pilothouse.agent.AgentDefinition(null, "helper", null,
                List.of("pilothouse", "reference-agent"), null, null, java.util.Map.of(), 0,
                new dev.pilothouse.session.Resources(null, null, null), null, null, null));
        Session s = engine.create(CreateRequest.of("lambda", "reference", "helper"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(local().pids(s.id())).hasSize(2);
        SendResult r = engine.send("lambda", "helper", "$ echo $PILOTHOUSE_AGENT_NAME", null);
        assertThat(r.reply().content()).contains("helper");
        assertThat(r.reply().agent()).isEqualTo("helper");
    }

    @Test
    void commandsSeeTheSessionButNotTheAgentsSecrets() {
        Session s = engine.create(CreateRequest.of("mu", "reference"), null).session();
        String token = engine.runtime(s).endpoint(s.id(), "reference").token();
        String env = engine.send("mu", null, "$ env", null).reply().content();
        assertThat(env).contains("PILOTHOUSE_SESSION_ID=" + s.id()).contains("PILOTHOUSE_WORKSPACE=");
        assertThat(env).doesNotContain(token).doesNotContain("PILOTHOUSE_AGENT_TOKEN");
    }
}
