package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.FollowEnd;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 11 item 4: following a log goes on across container restarts and the session's next pod,
 * with marker lines saying what happened; {@code sessions logs -f} stops when the session stops.
 */
class FollowLogsTest extends KubernetesTestBase {

    private Session ready(String name) {
        Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return s;
    }

    private static long count(List<String> lines, String part) {
        return lines.stream().filter(l -> l.contains(part)).count();
    }

    @Test
    void aFollowGoesOnAcrossARestartAndThePodOfAResumeSayingSo() {
        Session s = ready("followed");
        List<LogLine> got = new CopyOnWriteArrayList<>();
        List<String> text = new CopyOnWriteArrayList<>();
        try (LogSubscription sub = engine.logs("followed", null, new LogOptions(-1, true, false), lines -> {
            got.addAll(lines);
            lines.forEach(l -> text.add(l.text()));
        })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> count(text, "listening on") == 1);

            kubelet.crash(NS, ObjectNames.of(s.id()), "reference");
            await().atMost(Duration.ofSeconds(20)).until(() -> count(text, "listening on") == 2);
            assertThat(text).anyMatch(l -> l.startsWith("--- container 'reference' was restarted by the kubelet (restart 1) "
                    + "after it exited (exit 137 (SIGKILL), Error"));
            int marker = indexOf(text, "was restarted by the kubelet");
            assertThat(text.subList(marker, text.size())).anyMatch(l -> l.contains("listening on"));

            engine.pause("followed");
            await().atMost(Duration.ofSeconds(10)).until(() -> count(text, "was deleted (paused, stopped, deleted, or replaced as its agents changed)") == 1);
            engine.resume("followed");
            await().atMost(Duration.ofSeconds(20)).until(() -> count(text, "listening on") == 3);
            assertThat(text).anyMatch(l -> l.startsWith("--- following the session's new pod team-a/" + ObjectNames.of(s.id())));
            assertThat(got).allSatisfy(l -> assertThat(l.time()).isNotNull());
        }
    }

    @Test
    void anAgentThatExitsAfterItsWaitingTimeoutEndsTheFollowSayingWhy() {
        Session s = engine.create(CreateRequest.of("timed-out", "reference").withTimeouts(2L, null), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        List<String> text = new CopyOnWriteArrayList<>();
        try (LogSubscription sub = engine.logs("timed-out", null, new LogOptions(-1, true, false),
                lines -> lines.forEach(l -> text.add(l.text())))) {
            // the reference agent exits 0 once no message came for its waiting timeout; OnFailure does not restart it
            await().atMost(Duration.ofSeconds(20)).until(() -> fresh(s).state() == SessionState.IDLE);
            assertThat(fresh(s).terminationReason())
                    .isEqualTo("agent 'reference' exited by itself after its waiting timeout (exit 0): no message for 2 s");
            FollowEnd end = FollowEnd.of(fresh(s));
            assertThat(end.exitCode()).isZero();
            assertThat(end.why()).isEqualTo("session 'timed-out' is IDLE (paused): agent 'reference' exited by itself "
                    + "after its waiting timeout (exit 0): no message for 2 s");
        }
    }

    @Test
    void aStreamTheApiServerCutsIsResumedWithAMarkerInAnOperatorsWords() {
        ready("cut-off");
        List<String> text = new CopyOnWriteArrayList<>();
        try (LogSubscription sub = engine.logs("cut-off", null, new LogOptions(-1, true, false),
                lines -> lines.forEach(l -> text.add(l.text())))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> count(text, "listening on") == 1);

            cluster.cutLogStreams();
            await().atMost(Duration.ofSeconds(10)).until(() -> count(text, "--- log stream interrupted") == 1);
            // the HTTP client's words for a chunked body cut short ("EOFException: \n not found") are no operator's
            assertThat(text).contains("--- log stream interrupted (log stream closed by the API server); reconnecting ---");
            assertThat(String.join("\n", text)).doesNotContain("Exception");

            engine.send("cut-off", null, "$ echo after-the-cut", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> count(text, "received") == 1);
            assertThat(count(text, "listening on")).as("resumed from the last line seen").isEqualTo(1);
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
