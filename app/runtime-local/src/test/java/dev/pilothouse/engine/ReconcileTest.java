package dev.pilothouse.engine;

import dev.pilothouse.runtime.Processes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An engine that restarts finds the agents the previous one left and puts the store right. */
class ReconcileTest extends EngineTestBase {

    private LocalRuntime local(Engine e) {
        return (LocalRuntime) e.runtime(e.sessions(true).get(0));
    }

    @Test
    void liveAgentsAreAdoptedByTheNextEngine() {
        Session s = engine.create(CreateRequest.of("survivor", "reference"), null).session();
        List<Long> pids = local(engine).pids(s.id());
        engine.close();

        Engine next = openEngine("bob");
        Engine.ReconcileReport report = next.reconcile();
        assertThat(report.adopted()).contains("survivor");
        Session adopted = next.session("survivor");
        assertThat(adopted.state()).isEqualTo(SessionState.READY);
        assertThat(local(next).pids(s.id())).isEqualTo(pids);
        assertThat(next.send("survivor", null, "$ echo still here", null).reply().content()).contains("still here");

        // the adopting engine watches the adopted process: a crash now is noticed
        ProcessHandle.of(pids.get(0)).orElseThrow().children().forEach(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> next.session("survivor").state() == SessionState.ERROR);
    }

    @Test
    void agentsThatDiedWhileNoEngineRanAreReconciled() {
        Session crashed = engine.create(CreateRequest.of("crashed", "reference"), null).session();
        Session idled = engine.create(CreateRequest.of("idled", "reference").withTimeouts(2L, null), null).session();
        LocalRuntime runtime = local(engine);
        long crashedPid = runtime.pids(crashed.id()).get(0);
        long idledPid = runtime.pids(idled.id()).get(0);
        engine.close();

        ProcessHandle.of(crashedPid).orElseThrow().children().forEach(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(crashedPid).isEmpty()
                && ProcessHandle.of(idledPid).isEmpty());

        Engine next = openEngine("bob");
        Session c = next.session("crashed");
        assertThat(c.state()).isEqualTo(SessionState.ERROR);
        assertThat(c.terminationReason()).contains("SIGKILL");
        Session i = next.session("idled");
        assertThat(i.state()).isEqualTo(SessionState.IDLE);
        assertThat(i.phase()).isEqualTo(Phase.PAUSED);
        assertThat(i.terminationReason()).contains("exited by itself");
    }

    /**
     * The engine was killed inside a pause: IDLE was stored and the run record renamed "stopping",
     * but no signal sent. The record no longer says "running", so the agent was left running for
     * good (CrashConsistencyIT found it once: "agent of pause-1 expected READY but was IDLE").
     */
    @Test
    void aStopCutShortByTheEnginesDeathIsFinishedByTheNextEngine() throws Exception {
        Session s = engine.create(CreateRequest.of("half-paused", "reference"), null).session();
        long pid = local(engine).pids(s.id()).get(0);
        engine.change(s.id(), "alice", "paused by alice",
                c -> c.toBuilder().state(SessionState.IDLE).phase(Phase.PAUSED).owner(null));
        Path run = dataDir.resolve("sessions").resolve(s.id()).resolve("run");
        Files.move(run.resolve("reference.json"), run.resolve("reference.stopping.json"));
        engine.close();
        assertThat(ProcessHandle.of(pid)).as("closing an engine leaves agents running").isPresent();

        Engine next = openEngine("bob");
        next.reconcile();
        await().atMost(Duration.ofSeconds(30)).until(() -> !ProcessHandle.of(pid).map(Processes::running).orElse(false));
        assertThat(run.resolve("reference.stopping.json")).doesNotExist();
        assertThat(next.session("half-paused").state()).isEqualTo(SessionState.IDLE);
        assertThat(next.resume("half-paused").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void aReplyInterruptedByTheEnginesDeathIsRecordedAndTheSessionFreed() throws Exception {
        Session s = engine.create(CreateRequest.of("interrupted", "reference"), null).session();
        Path ws = local(engine).workspace(s.id());
        Engine first = engine;
        Thread sender = new Thread(() -> {
            try {
                first.send("interrupted", null, "$ while [ ! -f go ]; do sleep 0.05; done", null);
            } catch (RuntimeException expected) {
                // the engine is closed under it
            }
        });
        sender.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> first.session("interrupted").state() == SessionState.BUSY);
        first.close(); // its owner id is no longer alive

        Engine next = openEngine("bob");
        Session after = next.session("interrupted");
        assertThat(after.state()).isEqualTo(SessionState.READY);
        assertThat(after.owner()).isNull();
        List<Message> messages = next.messages("interrupted", 0, null, 10);
        assertThat(messages.get(messages.size() - 1).status()).isEqualTo(Message.Status.ERROR);
        assertThat(messages.get(messages.size() - 1).error()).contains("reply interrupted");
        Files.writeString(ws.resolve("go"), "");
        sender.join(30_000);
    }

    @Test
    void orphanedVolumesAreReportedAndLeftAlone() throws Exception {
        engine.create(CreateRequest.of("known", "reference"), null);
        String stranger = UUID.randomUUID().toString();
        Path orphan = dataDir.resolve("sessions").resolve(stranger).resolve("workspace");
        Files.createDirectories(orphan);
        Files.writeString(orphan.resolve("precious.txt"), "do not delete");

        Engine.ReconcileReport report = engine.reconcile();
        assertThat(report.orphans()).containsExactly(stranger);
        assertThat(orphan.resolve("precious.txt")).hasContent("do not delete");
        assertThat(engine.session("known").state()).isEqualTo(SessionState.READY);
    }
}
