package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 11 item 2: a container the kubelet restarts (the pod stays, restartCount grows) is
 * Kubernetes' business, not a session failure; only what Kubernetes itself calls a failure is.
 */
class RestartTest extends KubernetesTestBase {

    private Session ready(String name) {
        Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return s;
    }

    private ContainerStatus container(Session s) {
        Pod p = pod(s);
        return p == null || p.getStatus() == null ? null : p.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals("reference")).findFirst().orElse(null);
    }

    private boolean readyAgain(Session s, int restarts) {
        ContainerStatus c = container(s);
        return c != null && c.getRestartCount() == restarts && Boolean.TRUE.equals(c.getReady());
    }

    private List<String> agentLog(Session s) {
        return cluster.logs.current(NS, ObjectNames.of(s.id()), "reference").lines().stream()
                .map(ContainerLogs.Line::text).toList();
    }

    private boolean everIn(Session s, SessionState state) {
        return events.stream().anyMatch(e -> e instanceof EngineEvent.SessionChanged c && c.session().id().equals(s.id())
                && c.session().state() == state);
    }

    @Test
    void aCrashTheKubeletRestartsLeavesTheSessionReadyAndIsInItsEvents() {
        Session s = ready("resilient");
        assertThat(engine.send("resilient", null, "$ echo before > before.txt", null).failed()).isFalse();
        String podUid = pod(s).getMetadata().getUid();
        events.clear();

        kubelet.crash(NS, ObjectNames.of(s.id()), "reference");

        await().atMost(Duration.ofSeconds(20)).until(() -> readyAgain(s, 1));
        assertThat(pod(s).getMetadata().getUid()).as("the same pod").isEqualTo(podUid);
        assertThat(container(s).getLastState().getTerminated().getExitCode()).isEqualTo(137);
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.events(s.id(), 0, 100).stream().map(AuditEvent::reason)
                .anyMatch(r -> r.startsWith("agent 'reference' ") && r.contains("exit 137 (SIGKILL), Error")));
        assertThat(engine.events(s.id(), 0, 100)).filteredOn(e -> e.kind().equals(AuditEvent.RUNTIME)
                && e.reason().contains("exit 137")).singleElement().satisfies(e -> assertThat(e.detail())
                .contains("\"exit_code\":\"137\"").contains("\"reason\":\"Error\""));
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
        assertThat(everIn(s, SessionState.ERROR)).as("never ERROR on the way").isFalse();
        // views of the session hear of the new rows in its history (the session itself did not change)
        assertThat(everIn(s, SessionState.READY)).isTrue();

        // the restarted agent works in the same workspace
        SendResult after = engine.send("resilient", null, "$ cat before.txt", null);
        assertThat(after.reply().content()).as(after.reply().error()).contains("before");
        assertThat(pod(s)).isNotNull();
    }

    @Test
    void aMessageSentWhileTheKubeletRestartsTheContainerWaitsForItToAnswerAgain() {
        Session s = ready("restarting");
        kubelet.crash(NS, ObjectNames.of(s.id()), "reference");
        // the runtime sees the container restarting (exited or running again but not ready): the session is READY
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> runtime(s).restarting(s.id(), "reference").isPresent());
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        SendResult sent = engine.send("restarting", null, "$ echo after-the-restart", null);

        assertThat(sent.failed()).as(sent.reply().error()).isFalse();
        assertThat(sent.reply().content()).contains("after-the-restart");
        assertThat(container(s).getRestartCount()).isEqualTo(1);
        assertThat(everIn(s, SessionState.ERROR)).isFalse();
    }

    @Test
    void aMessageInFlightWhenTheContainerDiesFailsWithTheReasonAndIsRecorded() {
        Session s = ready("interrupted");
        CompletableFuture<SendResult> slow = CompletableFuture.supplyAsync(
                () -> engine.send("interrupted", null, "$ sleep 30 && echo never", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> agentLog(s).stream().anyMatch(l -> l.contains("received")));

        kubelet.crash(NS, ObjectNames.of(s.id()), "reference");

        SendResult cut = slow.join();
        assertThat(cut.failed()).isTrue();
        assertThat(cut.reply().error()).contains("the connection to agent 'reference' failed")
                .contains("its container").contains("exit 137 (SIGKILL), Error");
        Message recorded = engine.messages("interrupted", 0, null, 100).stream()
                .filter(m -> m.role() == Message.Role.AGENT).reduce((a, b) -> b).orElseThrow();
        assertThat(recorded.status()).isEqualTo(Message.Status.ERROR);
        assertThat(recorded.error()).isEqualTo(cut.reply().error());
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        await().atMost(Duration.ofSeconds(20)).until(() -> readyAgain(s, 1));
        SendResult next = engine.send("interrupted", null, "$ echo again", null);
        assertThat(next.reply().content()).as(next.reply().error()).contains("again");
        assertThat(everIn(s, SessionState.ERROR)).isFalse();
    }

    @Test
    void aSingleOomKillIsRestartedButCrashLoopBackOffIsAnError() {
        Session s = ready("hungry-once");
        kubelet.oomKill(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(20)).until(() -> readyAgain(s, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.events(s.id(), 0, 100).stream().map(AuditEvent::reason)
                .anyMatch(r -> r.contains("exit 137 (SIGKILL), OOMKilled")));
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        // its image breaks and it dies again within the kubelet's back-off: CrashLoopBackOff, an error
        kubelet.breakImage(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(s).state() == SessionState.ERROR);
        assertThat(fresh(s).terminationReason()).contains("CrashLoopBackOff").contains("back-off 10s restarting failed container=reference")
                .contains("restarted 1 time; last exit 137 Error");
    }

    @Test
    void aPodThatFailedOrWasDeletedWhileNoEngineRanIsAnErrorWithThatReason() {
        Session evicted = ready("evicted");
        Session deleted = ready("deleted");
        engine.close();

        kubelet.evict(NS, ObjectNames.of(evicted.id()));
        kubelet.deletePod(NS, ObjectNames.of(deleted.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> pod(deleted) == null);

        Engine again = openEngine(dataDir, "alice");
        again.useContext(CONTEXT, NS);
        again.reconcile();
        assertThat(again.session("evicted").state()).isEqualTo(SessionState.ERROR);
        assertThat(again.session("evicted").terminationReason()).contains("Failed: Evicted: The node was low on resource: memory");
        assertThat(again.session("deleted").state()).isEqualTo(SessionState.ERROR);
        assertThat(again.session("deleted").terminationReason()).contains("no longer exists");
    }

    private static List<AuditEvent> restartsOf(Engine e, Session s) {
        return e.events(s.id(), 0, 1000).stream().filter(a -> a.kind().equals(AuditEvent.RUNTIME)
                && a.reason().startsWith("agent 'reference' ")).toList();
    }

    /** The row's time is the container's own finishedAt (to the store's precision). */
    private static void atItsFinishedAt(AuditEvent e) {
        String finished = dev.pilothouse.json.Json.parse(e.detail()).path("finished_at").asText();
        assertThat(Duration.between(java.time.Instant.parse(finished), e.at()).abs()).isLessThan(Duration.ofMillis(1));
    }

    @Test
    void inACrashLoopEachExitIsRecordedWithTheRestartItLedToAtItsOwnTime() {
        Session s = ready("looping");
        // the image breaks: this run is killed (exit 137), restart 1 runs and exits 2 at once, then the back-off
        kubelet.breakImage(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(20)).until(() -> restartsOf(engine, s).size() == 2);

        List<AuditEvent> rows = restartsOf(engine, s);
        AuditEvent killed = rows.stream().filter(e -> e.reason().contains("exit 137")).findFirst().orElseThrow();
        AuditEvent failed = rows.stream().filter(e -> e.reason().contains("exit 2")).findFirst().orElseThrow();
        assertThat(killed.reason()).contains("(restart 1)");
        assertThat(killed.detail()).contains("\"restart_count\":\"1\"").contains("\"exit_code\":\"137\"");
        assertThat(failed.reason()).doesNotContain("(restart 1)").contains("(restart 2)");
        assertThat(failed.detail()).contains("\"restart_count\":\"2\"").contains("\"exit_code\":\"2\"");
        assertThat(rows).noneMatch(e -> e.reason().contains("restart 1") && e.reason().contains("exit 2"));
        atItsFinishedAt(killed);
        atItsFinishedAt(failed);
    }

    @Test
    void aRestartWhileNoEngineRanIsRecordedWhenTheNextEngineFirstSeesItOnce() {
        Session s = ready("unwatched");
        engine.close();

        kubelet.crash(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(20)).until(() -> readyAgain(s, 1));

        Engine again = openEngine(dataDir, "alice");
        again.useContext(CONTEXT, NS);
        again.reconcile();
        await().atMost(Duration.ofSeconds(5)).until(() -> restartsOf(again, s).size() == 1);
        AuditEvent row = restartsOf(again, s).get(0);
        assertThat(row.reason()).contains("was restarted by the kubelet (restart 1").contains("exit 137 (SIGKILL), Error");
        assertThat(row.detail()).contains("\"restart_count\":\"1\"");
        atItsFinishedAt(row);
        assertThat(again.session(s.id()).state()).isEqualTo(SessionState.READY);
        again.close();

        // a later engine sees the same restart at its first list: it is in the history once
        Engine third = openEngine(dataDir, "alice");
        third.useContext(CONTEXT, NS);
        third.reconcile();
        // what the first list saw is recorded on the engine's timer thread: it must stay one row
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> restartsOf(third, s).size() == 1);
    }
}
