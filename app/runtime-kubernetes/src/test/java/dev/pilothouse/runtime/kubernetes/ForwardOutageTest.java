package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A message in the first moments of an outage, before the connection check has noticed: opening
 * its port-forward fails within seconds, worded as the check words an outage, and the session stays
 * READY. The client's retries are as shipped (5, from 250 ms, backing off), which an open used to
 * wait out three times over (~23 s) before failing with a bare "Connection reset".
 */
class ForwardOutageTest extends KubernetesTestBase {

    @Override
    KubernetesSettings settings() {
        // the heartbeat never beats in the test's time: only the forward itself can find the outage
        return KubernetesSettings.DEFAULTS.with(Map.of("heartbeatSeconds", 3600, "terminationGracePeriodSeconds", 0));
    }

    @Test
    void aPortForwardThatCannotReachTheApiServerFailsAtOnceSayingTheContextIsUnreachable() {
        Session s = engine.create(CreateRequest.of("outage", "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        assertThat(engine.send("outage", null, "$ echo before", null).reply().content()).contains("before");

        // the stream in use goes, and no new connection gets through; those open (watches, the check's) go on
        cluster.closePortForwards();
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.openForwards() == 0);
        cluster.proxy.refuseNew();
        long t0 = System.nanoTime();
        SendResult r = engine.send("outage", null, "$ echo during", null);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.failed()).isTrue();
        assertThat(r.reply().error()).startsWith("the connection to agent 'reference' failed: context 'lab' is unreachable: "
                + "cannot reach the API server " + cluster.url()).doesNotContain("Connection reset (")
                .as("in an operator's words, each reason once").doesNotContain("Exception").doesNotContain("HTTP -1");
        assertThat(r.reply().error().indexOf("is unreachable")).isEqualTo(r.reply().error().lastIndexOf("is unreachable"));
        assertThat(took).as("bounded: no waiting out the client's retries").isLessThan(Duration.ofSeconds(8));
        assertThat(fresh(s).state()).isEqualTo(SessionState.READY);

        cluster.proxy.up();
        SendResult after = engine.send("outage", null, "$ echo after", null);
        assertThat(after.reply().content()).as(after.reply().error()).contains("after");
    }
}
