package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Items 5 and 6: pause, resume, remix, delete, purge; messages through port-forwards; logs. */
class OperationsTest extends KubernetesTestBase {

    private Session ready(String name) {
        Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return s;
    }

    private String reply(String session, String text) {
        SendResult r = engine.send(session, null, text, null);
        assertThat(r.failed()).as(r.reply().error()).isFalse();
        return r.reply().content();
    }

    @Test
    void messagesGoThroughAPortForwardAndTheWorkspaceSurvivesPauseAndResume() throws Exception {
        Session s = ready("keeper");
        reply("keeper", "$ echo kept-across-pause > note.txt");
        // one local forward, opened for the first /healthz and kept for the messages; each of its
        // connections is a websocket to the API server's pods/portforward, as kubectl port-forward does
        assertThat(runtime(s).openForwards()).isEqualTo(1);
        assertThat(cluster.forwardsOpened.get()).isPositive();
        assertThat(cluster.requests).anyMatch(r -> r.equals("GET /api/v1/namespaces/team-a/pods/" + ObjectNames.of(s.id())
                + "/portforward?ports=8080"));
        assertThat(Files.readString(kubelet.volume(NS, ObjectNames.of(s.id())).resolve("note.txt"))).contains("kept-across-pause");
        String firstPodUid = pod(s).getMetadata().getUid();
        String policyUid = policy(s).getMetadata().getUid();

        Session paused = engine.pause("keeper");
        assertThat(paused.state()).isEqualTo(SessionState.IDLE);
        assertThat(paused.phase()).isEqualTo(Phase.PAUSED);
        assertThat(pod(s)).as("pause deletes the pod").isNull();
        assertThat(claim(s)).as("and keeps the PVC").isNotNull();
        assertThat(runtime(s).openForwards()).isZero();

        Session resumed = engine.resume("keeper");
        assertThat(resumed.state()).isEqualTo(SessionState.READY);
        Pod again = pod(s);
        assertThat(again.getMetadata().getUid()).isNotEqualTo(firstPodUid);
        assertThat(again.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo(ObjectNames.of(s.id()));
        assertThat(reply("keeper", "$ cat note.txt")).contains("kept-across-pause");
        assertThat(policy(s).getMetadata().getUid()).as("an unchanged policy is left as it is").isEqualTo(policyUid);
    }

    @Test
    void sendingToAnIdleSessionResumesItFirst() {
        ready("sleepy");
        engine.pause("sleepy");
        assertThat(reply("sleepy", "$ echo awake")).contains("awake");
        assertThat(engine.session("sleepy").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void remixCopiesTheVolumeWithACopyPodReportingProgress() throws Exception {
        Session parent = ready("parent");
        reply("parent", "$ mkdir -p src && echo one > src/a.txt && echo two > src/b.txt");
        List<EngineEvent.CopyProgressed> progress = new CopyOnWriteArrayList<>();
        engine.subscribe(e -> {
            if (e instanceof EngineEvent.CopyProgressed p) {
                progress.add(p);
            }
        });

        Session child = engine.remix("parent", RemixRequest.inherit().named("child"), null).session();

        assertThat(child.state()).as(child.terminationReason()).isEqualTo(SessionState.READY);
        assertThat(child.parentSessionId()).isEqualTo(parent.id());
        assertThat(Files.readString(kubelet.volume(NS, ObjectNames.of(child.id())).resolve("src/b.txt"))).contains("two");
        assertThat(claim(child).getSpec().getDataSource()).as("no clone-capable class configured").isNull();
        assertThat(cluster.requests).anyMatch(r -> r.startsWith("POST /api/v1/namespaces/team-a/pods")
                && !r.contains("/log"));
        assertThat(api.pods().inNamespace(NS).withName(ObjectNames.copyPod(child.id())).get()).as("copy pod removed").isNull();
        assertThat(progress).isNotEmpty();
        EngineEvent.CopyProgressed last = progress.get(progress.size() - 1);
        assertThat(last.sessionId()).isEqualTo(child.id());
        assertThat(last.filesTotal()).isGreaterThanOrEqualTo(2);
        assertThat(last.filesDone()).isEqualTo(last.filesTotal());
        assertThat(last.bytesDone()).isEqualTo(last.bytesTotal()).isPositive();
        // the parent is untouched
        assertThat(engine.session("parent").state()).isEqualTo(SessionState.READY);
        assertThat(reply("child", "$ cat src/a.txt")).contains("one");
    }

    @Test
    void deleteIsSoftAndPurgeRemovesTheVolumeOnlyWhenAsked() {
        Session s = ready("short-lived");
        Session deleted = engine.delete("short-lived");
        assertThat(deleted.deleted()).isTrue();
        assertThat(pod(s)).isNull();
        assertThat(claim(s)).as("delete keeps the volume").isNotNull();
        assertThat(policy(s)).isNotNull();
        assertThat(engine.sessions(true)).extracting(Session::id).contains(s.id());

        assertThat(api.secrets().inNamespace(NS).withName(ObjectNames.of(s.id())).get()).as("the tokens' Secret").isNotNull();
        engine.purge(s.id());
        await().atMost(Duration.ofSeconds(5)).until(() -> claim(s) == null && policy(s) == null
                && api.secrets().inNamespace(NS).withName(ObjectNames.of(s.id())).get() == null);
        assertThat(engine.session(s.id()).purged()).isTrue();
        assertThat(engine.orphans()).doesNotContain(s.id());
    }

    @Test
    void logsTailWithTimestampsFollowAndPreviousContainer() {
        Session s = ready("chatty");
        String pod = ObjectNames.of(s.id());
        List<LogLine> tail = new CopyOnWriteArrayList<>();
        engine.logs("chatty", "reference", new LogOptions(1, false, false), tail::addAll).close();
        // the agent process's own first line, stamped by the kubelet
        assertThat(tail).singleElement().satisfies(l -> {
            assertThat(l.text()).startsWith("reference agent 'reference' listening on 127.0.0.1:");
            assertThat(l.time()).isNotNull().isBefore(java.time.Instant.now().plusSeconds(1));
        });
        assertThat(cluster.requests).anyMatch(r -> r.contains("/pods/" + pod + "/log")
                && r.contains("container=reference") && r.contains("tailLines=1") && r.contains("timestamps=true"));

        // following: lines the agent writes later arrive while the stream is open, split across chunks by the server
        List<LogLine> followed = new CopyOnWriteArrayList<>();
        try (LogSubscription sub = engine.logs("chatty", null, new LogOptions(-1, true, false), followed::addAll)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !followed.isEmpty());
            int before = followed.size();
            cluster.logs.current(NS, pod, "reference").append("a line written while someone follows");
            await().atMost(Duration.ofSeconds(5)).until(() -> followed.size() > before);
        }
        assertThat(followed.get(0).text()).startsWith("reference agent 'reference' listening on");
        assertThat(followed).extracting(LogLine::text).contains("a line written while someone follows");
        assertThat(followed).allSatisfy(l -> assertThat(l.time()).isNotNull());
        assertThat(cluster.requests).anyMatch(r -> r.contains("/log") && r.contains("follow=true"));

        assertThatThrownBy(() -> engine.logs("chatty", null, new LogOptions(-1, false, true), l -> { }))
                .hasMessageContaining("has no previous container");
    }

    @Test
    void theTimelineHasTheContainersLogLinesAtTheTimesTheApiServerStampedThem() {
        Session s = ready("stamped");
        String pod = ObjectNames.of(s.id());
        SendResult r = engine.send("stamped", null, "$ echo hi", null);
        ContainerLogs.Log kubelet = cluster.logs.current(NS, pod, "reference");
        // a line stamped half a minute after the reply: the timeline places it by the stamp, to the nanosecond
        java.time.Instant stamped = r.reply().createdAt().plusSeconds(30).plusNanos(123_456_789);
        kubelet.append("stamped half a minute later", stamped);

        List<TimelineEntry> t = engine.timeline("stamped");
        assertThat(t).extracting(TimelineEntry::at).isSorted();
        TimelineEntry later = t.stream().filter(e -> e.kind().equals(TimelineEntry.LOG)
                && e.summary().equals("stamped half a minute later")).findFirst().orElseThrow();
        assertThat(later.at()).isEqualTo(stamped);
        assertThat(later.agent()).isEqualTo("reference");
        assertThat(later.detail().get("line").asText()).isEqualTo("stamped half a minute later");
        // the agent's own lines at the kubelet's times, and after the reply the one it came after
        ContainerLogs.Line first = kubelet.lines().get(0);
        TimelineEntry listening = t.stream().filter(e -> e.kind().equals(TimelineEntry.LOG)
                && e.detail().get("line").asText().equals(first.text())).findFirst()
                .orElseThrow(() -> new AssertionError("'" + first.text() + "' not in " + t.stream().map(TimelineEntry::summary).toList()));
        assertThat(listening.at()).isEqualTo(first.time().isBefore(s.createdAt()) ? s.createdAt() : first.time());
        assertThat(t.indexOf(later)).isGreaterThan(t.indexOf(t.stream().filter(e -> e.kind().equals(TimelineEntry.REPLY))
                .findFirst().orElseThrow()));
        assertThat(cluster.requests).anyMatch(q -> q.contains("/pods/" + pod + "/log") && q.contains("timestamps=true")
                && q.contains("tailLines=2000"));

        // paused, the pod and its log are gone: the timeline is the rest of the history, without log lines
        engine.pause("stamped");
        List<TimelineEntry> paused = engine.timeline("stamped");
        assertThat(paused).isNotEmpty().noneMatch(e -> e.kind().equals(TimelineEntry.LOG));
        assertThat(paused).anyMatch(e -> e.kind().equals(TimelineEntry.REPLY));
    }
}
