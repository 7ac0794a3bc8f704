package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.cli.Cli;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The CLI on a Kubernetes context of the fake cluster: what only the CLI module can run. */
class KubernetesCliTest extends KubernetesTestBase {

    private int cli(StringWriter out, StringWriter err, String... args) {
        return Cli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void eventsWithKubernetesShowsThePodsEventsAsJson() {
        Session s = engine.create(CreateRequest.of("eventful", "reference"), null).session();
        String pod = ObjectNames.of(s.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.events(s.id(), 0, 1000).stream().map(AuditEvent::reason)
                .anyMatch(r -> r.startsWith("Kubernetes: Normal Started on pod " + pod)));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli(out, err, "--data-dir", dataDir.toString(), "--context", CONTEXT, "--namespace", NS,
                "sessions", "events", "--kubernetes", "eventful");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Kubernetes: Normal Scheduled").contains("Kubernetes: Normal Started")
                .contains("\"reporter\":\"default-scheduler\"").doesNotContain("INIT -> READY");
    }

    @Test
    void aFailedStartPointsToACommandThatWorksOnKubernetes() {
        agentWithImage("badimg", "registry.example/does-not-exist:1");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli(out, err, "--data-dir", dataDir.toString(), "--context", CONTEXT, "--namespace", NS,
                "sessions", "create", "s5", "--agent", "badimg");
        assertThat(code).as(err.toString()).isEqualTo(1);
        // the failed pod is deleted, and its log with it: `sessions logs` could not show anything
        assertThat(err.toString()).contains("failed to start").doesNotContain("sessions logs");
        String hint = err.toString().substring(err.toString().indexOf("(`") + 2);
        hint = hint.substring(0, hint.indexOf('`'));
        assertThat(hint).isEqualTo("pilothouse --context " + CONTEXT + " --namespace " + NS + " sessions events s5 --kubernetes");
        await().atMost(Duration.ofSeconds(10)).until(() -> pod(engine.session("s5")) == null);

        // the command it names works, and says why
        List<String> args = new java.util.ArrayList<>(List.of("--data-dir", dataDir.toString()));
        args.addAll(List.of(hint.split(" ")).subList(1, hint.split(" ").length));
        StringWriter eventsOut = new StringWriter();
        StringWriter eventsErr = new StringWriter();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            eventsOut.getBuffer().setLength(0);
            return cli(eventsOut, eventsErr, args.toArray(String[]::new)) == 0
                    && eventsOut.toString().contains("Failed to pull image");
        });
    }

    @Test
    void showSaysWhatAStartWaitsFor() {
        kubelet.manual = true;
        CompletableFuture.runAsync(() -> engine.create(CreateRequest.of("pulling", "reference"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        String pod = ObjectNames.of(engine.sessions(false).get(0).id());
        kubelet.creating(NS, pod);
        kubelet.pulling(NS, pod);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            out.getBuffer().setLength(0);
            return cli(out, err, "--data-dir", dataDir.toString(), "--context", CONTEXT, "--namespace", NS,
                    "sessions", "show", "pulling") == 0 && out.toString().contains("progress");
        });
        assertThat(out.toString()).containsPattern("progress +pulling image \"ghcr.io/pilothouse/reference-agent:0.1.0\" \\(\\d+ s\\)");
    }

    @Test
    void createSaysWhatItsStartWaitsForWhileItWaits() {
        kubelet.manual = true;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> create = CompletableFuture.supplyAsync(() -> cli(out, err, "--data-dir",
                dataDir.toString(), "--context", CONTEXT, "--namespace", NS, "sessions", "create", "slowpull", "--agent", "reference"));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.sessions(false).size() == 1
                && pod(engine.sessions(false).get(0)) != null);
        String pod = ObjectNames.of(engine.sessions(false).get(0).id());
        kubelet.creating(NS, pod);
        kubelet.pulling(NS, pod);
        await().atMost(Duration.ofSeconds(10)).until(() -> err.toString().contains("starting: pulling image"));
        assertThat(create).isNotDone();

        kubelet.run(NS, pod);
        assertThat(create.join()).as(err.toString()).isZero();
        assertThat(err.toString()).containsPattern("starting: pulling image \"ghcr.io/pilothouse/reference-agent:0.1.0\" \\(\\d+ s\\)\n");
        assertThat(out.toString()).contains("slowpull").contains("READY");
        assertThat(count(err.toString(), "starting: pulling image")).as("one note for one step, not one a second").isEqualTo(1);
    }

    @Test
    void logsFollowShowsARestartAndExitsWhenTheSessionIsPaused() {
        Session s = engine.create(CreateRequest.of("tailed", "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> cli = CompletableFuture.supplyAsync(() -> cli(out, err, "--data-dir",
                dataDir.toString(), "--context", CONTEXT, "--namespace", NS, "sessions", "logs", "-f", "tailed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on"));

        kubelet.crash(NS, ObjectNames.of(s.id()), "reference");
        await().atMost(Duration.ofSeconds(20)).until(() -> count(out.toString(), "listening on") == 2);
        assertThat(cli).isNotDone();

        engine.pause("tailed");
        assertThat(cli.join()).as(err.toString()).isZero();
        assertThat(out.toString()).contains("--- container 'reference' was restarted by the kubelet (restart 1)")
                .contains("--- stopped following: session 'tailed' is IDLE (paused)");
    }

    @Test
    void aFollowWhoseEngineStopsSaysSoInsteadOfAnInterruptedException() throws Exception {
        Session s = engine.create(CreateRequest.of("cut", "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.util.concurrent.atomic.AtomicInteger exit = new java.util.concurrent.atomic.AtomicInteger(-1);
        // the engine that runs a command interrupts it when it stops (engine stop): as here
        Thread follower = new Thread(() -> exit.set(cli(out, err, "--data-dir", dataDir.toString(), "--context", CONTEXT,
                "--namespace", NS, "sessions", "logs", "-f", "cut")), "test-follow");
        follower.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on"));
        follower.interrupt();
        follower.join(Duration.ofSeconds(20).toMillis());
        assertThat(follower.isAlive()).isFalse();
        assertThat(exit.get()).isEqualTo(1);
        assertThat(out.toString()).contains("--- stopped following: the engine serving this data dir stopped");
        assertThat(err.toString()).doesNotContain("InterruptedException");
    }

    @Test
    void logsFollowGoesOnToTheNewPodWhenAnAgentIsAddedOrRemoved() {
        engine.createAgent(new dev.pilothouse.agent.AgentDefinition(null, "second", "registry.example/second:1", List.of(),
                null, null, java.util.Map.of(), 8080, new dev.pilothouse.session.Resources(null, null, null), null, null, null));
        Session s = engine.create(CreateRequest.of("regrown", "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> cli = CompletableFuture.supplyAsync(() -> cli(out, err, "--data-dir",
                dataDir.toString(), "--context", CONTEXT, "--namespace", NS, "sessions", "logs", "-f", "regrown"));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on"));

        // READY -> IDLE (restarting its agents on the same volume) -> READY on a new pod: not a pause
        Session added = engine.update("regrown", dev.pilothouse.engine.UpdateRequest.agents(List.of("second"), List.of()), null);
        assertThat(added.state()).as(added.terminationReason()).isEqualTo(SessionState.READY);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(out.toString(), "listening on") == 2);
        assertThat(out.toString()).contains("--- following the session's new pod " + NS + "/" + ObjectNames.of(s.id()))
                .doesNotContain("stopped following");
        assertThat(cli).isNotDone();

        Session removed = engine.update("regrown", dev.pilothouse.engine.UpdateRequest.agents(List.of(), List.of("second")), null);
        assertThat(removed.state()).as(removed.terminationReason()).isEqualTo(SessionState.READY);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(out.toString(), "listening on") == 3);
        assertThat(cli).isNotDone();

        engine.pause("regrown");
        assertThat(cli.join()).as(err.toString()).isZero();
        assertThat(out.toString()).containsOnlyOnce("--- stopped following: session 'regrown' is IDLE (paused)");
    }

    private CompletableFuture<Integer> follow(StringWriter out, StringWriter err, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--data-dir", dataDir.toString(), "--context", CONTEXT,
                "--namespace", NS, "sessions", "logs", "-f"));
        args.addAll(List.of(more));
        return CompletableFuture.supplyAsync(() -> cli(out, err, args.toArray(String[]::new)));
    }

    @Test
    void logsFollowOfAnAgentRemovedFromTheSessionEndsSayingSoAndOfOneItNeverHadFailsAtOnce() {
        engine.createAgent(new dev.pilothouse.agent.AgentDefinition(null, "second", "registry.example/second:1", List.of(),
                null, null, java.util.Map.of(), 8080, new dev.pilothouse.session.Resources(null, null, null), null, null, null));
        engine.create(CreateRequest.of("pair", "reference"), null);
        Session both = engine.update("pair", dev.pilothouse.engine.UpdateRequest.agents(List.of("second"), List.of()), null);
        assertThat(both.state()).as(both.terminationReason()).isEqualTo(SessionState.READY);

        StringWriter never = new StringWriter();
        StringWriter neverErr = new StringWriter();
        assertThat(follow(never, neverErr, "--agent", "third", "pair")).succeedsWithin(Duration.ofSeconds(10))
                .isNotEqualTo(0);
        assertThat(neverErr.toString()).contains("session 'pair' has no agent 'third'; its agents: [reference, second]");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> cli = follow(out, err, "--agent", "second", "pair");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on"));
        Session one = engine.update("pair", dev.pilothouse.engine.UpdateRequest.agents(List.of(), List.of("second")), null);
        assertThat(one.state()).as(one.terminationReason()).isEqualTo(SessionState.READY);

        // as deliberate as a pause: exit 0, with a last line saying why, instead of waiting for a pod that never has it
        assertThat(cli).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(0);
        assertThat(out.toString()).endsWith("--- stopped following: agent 'second' was removed from session 'pair' "
                + "(its agents now: reference) ---\n");
    }

    @TempDir
    java.nio.file.Path otherWorkstation;

    @Test
    void logsFollowPrintsTheAgentsLastLinesBeforeSayingItsSessionStoppedWhicheverEngineStoppedIt() {
        // another workstation's engine watches the same session: either may be the one that stops it
        dev.pilothouse.engine.Engine bob = openEngine(otherWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        Session s = engine.create(CreateRequest.of("sleepy", "reference").withTimeouts(4L, null), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> cli = follow(out, err, "sleepy");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().contains("listening on"));

        // the log stream lags behind the pod's status: the agent's last lines are still on the way when it stops
        cluster.holdLogs();
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.session(s.id()).state() == SessionState.IDLE);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofMillis(1500)).until(() -> !cli.isDone());
        cluster.releaseLogs();

        assertThat(cli).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(0);
        String text = out.toString();
        assertThat(text).contains("no message for 4 s; exiting").contains("--- stopped following: session 'sleepy' is IDLE (paused)");
        assertThat(text.indexOf("no message for 4 s; exiting")).isLessThan(text.indexOf("--- stopped following"));
    }

    private static long count(String text, String part) {
        return List.of(text.split("\n")).stream().filter(l -> l.contains(part)).count();
    }
}
