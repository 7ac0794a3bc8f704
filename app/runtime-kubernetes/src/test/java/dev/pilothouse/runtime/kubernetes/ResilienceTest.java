package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Item 8: outages, dropped watches, 410 Gone, 5xx and 403. */
class ResilienceTest extends KubernetesTestBase {
    private static final String PODS = "/api/v1/namespaces/team-a/pods";

    private Session ready(String name) {
        Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return s;
    }

    private boolean sawConnection(ConnectionStatus.State state) {
        return events.stream().anyMatch(e -> e instanceof EngineEvent.ConnectionChanged c && c.context().equals(CONTEXT)
                && c.status().state() == state);
    }

    @Test
    void anUnreachableApiServerLeavesSessionsAsTheyAreUntilItIsBack() {
        Session s = ready("steady");
        Session other = ready("doomed-while-away");
        events.clear();

        cluster.proxy.down();
        await().atMost(Duration.ofSeconds(15)).until(() -> sawConnection(ConnectionStatus.State.UNREACHABLE));
        assertThat(engine.connection().describe()).startsWith("unreachable: cannot reach the API server " + cluster.url());

        // nothing is decided while the cluster cannot be seen: reconcile and a failed send leave READY
        engine.reconcile();
        SendResult r = engine.send("steady", null, "$ echo hello", null);
        assertThat(r.failed()).isTrue();
        assertThat(r.reply().error()).contains("context 'lab' is unreachable");
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
        assertThat(fresh(other).state()).isEqualTo(SessionState.READY);

        // meanwhile someone deletes a pod: seen once the watch is back
        kubelet.deletePod(NS, ObjectNames.of(other.id()));
        cluster.proxy.up();
        await().atMost(Duration.ofSeconds(20)).until(() -> sawConnection(ConnectionStatus.State.CONNECTED));
        assertThat(engine.connection().connected()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh(other).state() == SessionState.ERROR);
        assertThat(fresh(other).terminationReason()).contains("deleted outside Pilothouse");
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
        SendResult again = engine.send("steady", null, "$ echo back", null);
        assertThat(again.reply().content()).as(again.reply().error()).contains("back");
    }

    @Test
    void aPortForwardTheApiServerClosesIsOpenedAgainAndARequestInFlightFailsWithTheReason() {
        Session s = ready("forwarded");
        String pod = ObjectNames.of(s.id());
        assertThat(engine.send("forwarded", null, "$ echo first", null).reply().content()).contains("first");
        int opened = cluster.forwardsOpened.get();

        // the API server closes every port-forward stream while the connection to the agent is idle
        cluster.closePortForwards();
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.openForwards() == 0);
        SendResult healed = engine.send("forwarded", null, "$ echo healed", null);
        assertThat(healed.reply().content()).as(healed.reply().error()).contains("healed");
        assertThat(cluster.forwardsOpened.get()).as("a new stream was opened").isGreaterThan(opened);
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        // and while a reply is being written: that request fails, saying why; the session stays READY
        String uid = api.pods().inNamespace(NS).withName(pod).get().getMetadata().getUid();
        java.util.concurrent.CompletableFuture<SendResult> slow = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> engine.send("forwarded", null, "$ sleep 600 && echo late", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> agentLog(pod).stream().filter(l -> l.contains("received")).count() == 3);
        cluster.closePortForwards();
        SendResult cut = slow.join();
        assertThat(cut.failed()).isTrue();
        assertThat(cut.reply().error()).contains("the connection to agent 'reference' failed")
                .contains("the API server ended the port-forward stream to pod team-a/" + pod + ":8080")
                .contains("the session's agents were restarted");
        assertThat(engine.messages("forwarded", 0, null, 100)).last().satisfies(m -> {
            assertThat(m.status()).isEqualTo(dev.pilothouse.session.Message.Status.ERROR);
            assertThat(m.error()).contains("the API server ended the port-forward stream");
        });
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
        assertThat(engine.events(s.id(), 0, 1000)).anyMatch(e -> e.reason() != null && e.reason().startsWith(
                "agents restarted after the connection to agent 'reference' broke while it worked on a message"));

        // the agent was still at its work, which would have refused the next message (409): it was restarted,
        // so the next message is answered at once, on a new stream
        assertThat(api.pods().inNamespace(NS).withName(pod).get().getMetadata().getUid()).as("a new pod").isNotEqualTo(uid);
        SendResult after = engine.send("forwarded", null, "$ echo after", null);
        assertThat(after.reply().content()).as(after.reply().error()).contains("after");
        assertThat(runtime(s).openForwards()).isEqualTo(1);
        assertThat(engine.events(s.id(), 0, 1000)).noneMatch(e -> e.to() == SessionState.ERROR);
    }

    @Test
    void aMessageToAnAgentBusyWithAnotherWaitsForItRatherThanShowItsRefusal() {
        Session s = ready("shared-agent");
        String pod = ObjectNames.of(s.id());
        // someone else's message (another workstation's, or one whose reply this engine lost) keeps the agent busy
        dev.pilothouse.agent.AgentEndpoint endpoint = runtime(s).endpoint(s.id(), "reference");
        java.util.concurrent.CompletableFuture<dev.pilothouse.agent.AgentClient.Reply> elsewhere =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return new dev.pilothouse.agent.AgentClient().send(endpoint, "elsewhere-1", s.id(),
                                "$ sleep 2 && echo elsewhere", e -> { });
                    } catch (dev.pilothouse.agent.AgentClient.PartialReplyException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        await().atMost(Duration.ofSeconds(10)).until(() -> agentLog(pod).stream().anyMatch(l -> l.contains("received")));

        SendResult mine = engine.send("shared-agent", null, "$ echo mine", null);

        assertThat(mine.reply().content()).as(mine.reply().error()).contains("mine");
        assertThat(elsewhere.join().content()).contains("elsewhere");
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);
    }

    private List<String> agentLog(String pod) {
        return cluster.logs.current(NS, pod, "reference").lines().stream().map(ContainerLogs.Line::text).toList();
    }

    @Test
    void aWatchAnsweredWith410GoneRelistsAndKeepsWatching() {
        Session s = ready("relisted");
        int listsBefore = (int) cluster.requests.stream().filter(r -> r.startsWith("GET " + PODS + "?")
                && !r.contains("watch=true")).count();
        cluster.goneOnNextWatch(PODS);
        // drop the connections so the informers watch again, and meet the 410
        cluster.proxy.down();
        cluster.proxy.up();
        await().atMost(Duration.ofSeconds(40)).until(() -> cluster.requests.stream().filter(r -> r.startsWith("GET " + PODS + "?")
                && !r.contains("watch=true")).count() > listsBefore);
        // and watches again after that list (the mock cannot replay a deletion made between the two)
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<String> pods = cluster.requests.stream().filter(r -> r.startsWith("GET " + PODS + "?")).toList();
            return pods.get(pods.size() - 1).contains("watch=true") && !pods.get(pods.size() - 2).contains("watch=true");
        });

        kubelet.deletePod(NS, ObjectNames.of(s.id()));
        await().atMost(Duration.ofSeconds(20)).until(() -> fresh(s).state() == SessionState.ERROR);
        assertThat(fresh(s).terminationReason()).contains("deleted outside Pilothouse");
    }

    @Test
    void serverErrorsAreRetriedWithBackoff() {
        cluster.fail("POST", PODS, 503, 2);
        Session s = ready("persistent");
        assertThat(cluster.requestCount("POST", PODS)).isEqualTo(3);
        assertThat(pod(s)).isNotNull();
    }

    @Test
    void aForbiddenRequestNamesTheMissingPermission() {
        cluster.fail("POST", PODS, 403, 1);
        Session s = engine.create(CreateRequest.of("refused", "reference"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.ERROR);
        assertThat(s.terminationReason()).contains("forbidden: missing permission 'create pods' in namespace team-a of context 'lab'")
                .contains("docs/kubernetes.md");
        assertThat(cluster.requestCount("POST", PODS)).as("403 is not retried").isEqualTo(1);
    }
}
