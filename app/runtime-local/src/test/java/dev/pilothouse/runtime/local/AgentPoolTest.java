package dev.pilothouse.runtime.local;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Issue 13, item 3: reference agents started ahead of their sessions, with real processes and real HTTP. */
class AgentPoolTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    Path dataDir;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private LocalRuntime runtime;

    @AfterEach
    void stopEverything() throws Exception {
        try (LocalRuntime r = new LocalRuntime(LocalRuntime.CONTEXT, dataDir.resolve("sessions"), 2000, LogLimits.DEFAULT, 0)) {
            r.volumes().forEach(r::stop);
        }
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    /** An engine whose local runtime keeps {@code poolSize} reference agents ready. */
    private Engine engine(int poolSize) {
        Engine e = Engine.open(EngineConfig.of(dataDir).withActor("alice"), new Runtimes(dataDir) {
            @Override
            protected SessionRuntime create(String context) {
                runtime = new LocalRuntime(context, dataDir.resolve("sessions"), 2000, LogLimits.DEFAULT, poolSize);
                return runtime;
            }
        });
        opened.add(e);
        return e;
    }

    private List<Long> awaitPooled(int n) {
        await().atMost(WAIT).until(() -> runtime.pooledPids().size() == n);
        return runtime.pooledPids();
    }

    private String log(Session s, String agent) throws IOException {
        return Files.readString(runtime.workspace(s.id()).resolveSibling("logs").resolve(agent + ".log"));
    }

    @Test
    void aNewSessionClaimsAPooledAgentThatServesItAsAFreshlyStartedOneWould() throws IOException {
        Engine engine = engine(1);
        engine.createAgent(new AgentDefinition(null, "coder", null, List.of("pilothouse", "reference-agent"), null,
                "be brief", Map.of("MODE", "strict"), 0, new Resources(null, null, null), null, null, null));
        Session first = engine.create(CreateRequest.of("first", "coder"), null).session();
        long pooled = awaitPooled(1).get(0);
        assertThat(runtime.pids(first.id())).doesNotContain(pooled);
        assertThat(engine.standby()).singleElement().asString().contains("1 of 1").contains(Long.toString(pooled));

        Session second = engine.create(CreateRequest.of("second", "coder"), null).session();
        assertThat(second.state()).isEqualTo(SessionState.READY);
        assertThat(runtime.pids(second.id())).containsExactly(pooled);
        // it runs in the session's workspace: its working directory was renamed to become it
        Path workspace = runtime.workspace(second.id()).toRealPath();
        long jvm = ProcessHandle.of(pooled).orElseThrow().children().findFirst().orElseThrow().pid();
        assertThat(Path.of("/proc", Long.toString(jvm), "cwd").toRealPath()).isEqualTo(workspace);
        assertThat(Path.of("/proc", Long.toString(pooled), "cwd").toRealPath()).isEqualTo(workspace);

        // its commands run in the session's workspace, with the session's environment and without its secrets
        String reply = engine.send("second", null, "$ pwd; echo mode=$MODE session=$PILOTHOUSE_SESSION_ID; "
                + "env | grep -c -e PILOTHOUSE_AGENT_TOKEN -e PILOTHOUSE_POOL_KEY", null).reply().content();
        assertThat(reply).contains(runtime.workspace(second.id()).toRealPath().toString())
                .contains("mode=strict session=" + second.id()).contains("\n0\n");
        // its conversation is kept in the session's volume, as a fresh agent keeps it
        assertThat(runtime.workspace(second.id()).resolve(".pilothouse/history/coder")).isDirectory();
        // its output is the session's log: the run's marker, the claim, its ready line for this session
        String log = log(second, "coder");
        assertThat(log).startsWith("---- pilothouse: agent 'coder' spawned at ")
                .contains("a pooled reference agent (pid " + pooled)
                .contains("listening on 127.0.0.1").contains(runtime.workspace(second.id()).toString())
                .doesNotContain("waiting to be claimed");
        // the pool refills, and stays within its size
        long next = awaitPooled(1).get(0);
        assertThat(next).isNotEqualTo(pooled);
    }

    @Test
    void aClaimedAgentThatCrashesFailsItsOwnSessionWithItsExitStatus() {
        Engine engine = engine(1);
        engine.create(CreateRequest.of("warm", "reference"), null);
        long pooled = awaitPooled(1).get(0);
        Session s = engine.create(CreateRequest.of("claimed", "reference"), null).session();
        assertThat(runtime.pids(s.id())).containsExactly(pooled);

        // the JVM is the wrapper's child: kill it as a crash would; the wrapper records 137 where the session looks
        ProcessHandle.of(pooled).orElseThrow().children().findFirst().orElseThrow().destroyForcibly();
        await().atMost(WAIT).until(() -> engine.session(s.id()).state() == SessionState.ERROR);
        assertThat(engine.session(s.id()).terminationReason()).contains("agent 'reference'").contains("137");
        assertThat(engine.session("warm").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void aSessionWhoseWorkspaceHoldsFilesStartsAFreshAgent() throws IOException {
        Engine engine = engine(1);
        Session s = engine.create(CreateRequest.of("kept", "reference"), null).session();
        engine.send("kept", null, "$ echo data > notes.txt", null);
        engine.pause("kept");
        long pooled = awaitPooled(1).get(0);
        // a resume finds its files in place: a pooled agent could not take this workspace as its directory
        engine.resume("kept");
        assertThat(runtime.pids(s.id())).doesNotContain(pooled);
        assertThat(runtime.pooledPids()).containsExactly(pooled);
        assertThat(engine.send("kept", null, "$ cat notes.txt", null).reply().content()).contains("data");
    }

    @Test
    void idleAgentsAreBoundedAndStoppedWhenTheRuntimeCloses() {
        Engine engine = engine(2);
        engine.create(CreateRequest.of("a", "reference"), null);
        List<Long> pooled = awaitPooled(2);
        // an agent not started by the plain reference command does not take from the pool
        engine.createAgent(new AgentDefinition(null, "tuned", null, List.of("pilothouse", "reference-agent"), null, null,
                Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m"), 0, new Resources(null, null, null), null, null, null));
        Session tuned = engine.create(CreateRequest.of("b", "tuned"), null).session();
        assertThat(runtime.pids(tuned.id())).doesNotContainAnyElementsOf(pooled);
        assertThat(runtime.pooledPids()).containsExactlyElementsOf(pooled);

        engine.close();
        assertThat(pooled).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(dataDir.resolve("agent-pool")).isEmptyDirectory();
    }

    @Test
    void aPooledAgentThatCannotBeClaimedIsReplacedByAFreshOne() throws IOException {
        Engine engine = engine(1);
        engine.create(CreateRequest.of("warm", "reference"), null);
        long pooled = awaitPooled(1).get(0);
        // stopped (SIGSTOP): it accepts the connection and never answers the claim
        ProcessGroups.signal(pooled, "STOP");

        Session s = engine.create(CreateRequest.of("fallback", "reference"), null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(runtime.pids(s.id())).doesNotContain(pooled);
        assertThat(ProcessHandle.of(pooled).filter(ProcessHandle::isAlive)).as("the stuck agent is stopped").isEmpty();
        String log = log(s, "reference");
        assertThat(log).contains("the pooled agent could not be claimed").contains("listening on 127.0.0.1");
        assertThat(engine.send("fallback", null, "$ echo fine", null).reply().content()).contains("fine");
    }

    @Test
    void anIdleAgentThatExitsIsReplacedWithoutWaitingForAClaim() {
        Engine engine = engine(1);
        engine.create(CreateRequest.of("warm", "reference"), null);
        long pooled = awaitPooled(1).get(0);
        // its JVM killed, as the kernel's OOM killer or an operator would: the wrapper records it and exits
        ProcessHandle.of(pooled).orElseThrow().children().forEach(ProcessHandle::destroyForcibly);

        await().atMost(WAIT).until(() -> runtime.pooledPids().size() == 1 && !runtime.pooledPids().contains(pooled));
        assertThat(ProcessHandle.of(pooled).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(engine.standby()).singleElement().asString().contains("1 of 1").doesNotContain(Long.toString(pooled));
    }

    @Test
    void aFailedStartIsTriedAgainLaterAndThePoolFillsOnceItCan() throws IOException {
        // the pool's directory cannot be made: a file is where it goes (a full disk or a wrong owner fails alike)
        Path inTheWay = Files.writeString(dataDir.resolve("agent-pool"), "in the way");
        Engine engine = engine(1);
        Session s = engine.create(CreateRequest.of("first", "reference"), null).session();
        assertThat(s.state()).as("the session starts its own agent").isEqualTo(SessionState.READY);
        await().atMost(WAIT).untilAsserted(() -> assertThat(engine.standby()).singleElement().asString()
                .contains("0 of 1").contains("failed (cannot start").contains("trying again in"));

        Files.delete(inTheWay);
        long pooled = awaitPooled(1).get(0);
        assertThat(engine.standby()).singleElement().asString().contains("1 of 1").doesNotContain("failed");
        Session second = engine.create(CreateRequest.of("second", "reference"), null).session();
        assertThat(runtime.pids(second.id())).containsExactly(pooled);
    }

    @Test
    void startsThatKeepFailingStopAfterABoundUntilTheNextClaim() throws IOException {
        Path root = Files.writeString(dataDir.resolve("pool-root"), "in the way");
        AgentPool pool = new AgentPool(root, 1, 2000, AgentPoolTest::killTree, 5);
        opened.add(pool);
        pool.scheduleFill();
        await().atMost(WAIT).untilAsserted(() -> assertThat(pool.describe())
                .contains("the last " + AgentPool.MAX_FAILED_STARTS + " starts failed").endsWith("trying again at the next claim"));

        Files.delete(root);
        assertThat(pool.take()).as("nothing idle yet").isEmpty();
        await().atMost(WAIT).until(() -> pool.idlePids().size() == 1);
        assertThat(pool.describe()).startsWith("agent pool: 1 of 1 reference agents idle").doesNotContain("failed");
    }

    @Test
    void idleAgentsThatKeepDyingYoungAreNotStartedAgainAndAgain() throws IOException {
        AgentPool pool = new AgentPool(Files.createDirectories(dataDir.resolve("young")), 1, 2000, AgentPoolTest::killTree, 5);
        opened.add(pool);
        pool.scheduleFill();
        for (int i = 0; i < AgentPool.MAX_FAILED_STARTS; i++) {
            await().atMost(WAIT).until(() -> pool.idlePids().size() == 1);
            long pid = pool.idlePids().get(0);
            ProcessHandle.of(pid).orElseThrow().children().forEach(ProcessHandle::destroyForcibly);
            await().atMost(WAIT).until(() -> !pool.idlePids().contains(pid));
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(pool.describe())
                .contains("the last " + AgentPool.MAX_FAILED_STARTS + " starts failed (pid ").contains("ms after it was ready")
                .endsWith("trying again at the next claim"));
        assertThat(pool.idlePids()).isEmpty();
    }

    private static void killTree(List<ProcessHandle> handles) {
        handles.forEach(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
    }

    /** A pooled agent as the pool starts one, its stdin a pipe from this process, owned by {@code owner}. */
    private Process pooledAgent(Path dir, int port, long owner) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(AgentLauncher.commandLine(AgentPool.COMMAND)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        pb.environment().putAll(Map.of("PILOTHOUSE_POOL_KEY", "secret-key", "PILOTHOUSE_POOL_OWNER", Long.toString(owner),
                "PILOTHOUSE_AGENT_PORT", Integer.toString(port), "PILOTHOUSE_EXIT_FILE", dir.resolve("exit").toString()));
        Process agent = pb.start();
        opened.add(agent::destroyForcibly);
        return agent;
    }

    @Test
    void aPooledAgentLeavesAtOnceWhenThePipeFromItsOwnerCloses() throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve("piped"));
        int port = LocalRuntime.freePort();
        // its owner lives on (this JVM): only the pipe says that the owner has gone, as a killed owner's would
        Process agent = pooledAgent(dir, port, ProcessHandle.current().pid());
        OkHttpClient http = new OkHttpClient();
        await().atMost(WAIT).ignoreExceptions().until(() -> get(http, "http://127.0.0.1:" + port + "/healthz").startsWith("200"));
        agent.getOutputStream().close();
        await().atMost(WAIT).until(() -> !agent.isAlive());
        assertThat(agent.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("agent.log"))).contains("exiting unclaimed");
    }

    @Test
    void aPooledAgentServesOnlyItsClaimAndLeavesWithTheProcessThatPooledIt() throws Exception {
        Process owner = new ProcessBuilder("sleep", "600").start();
        opened.add(owner::destroyForcibly);
        Path dir = Files.createDirectories(dataDir.resolve("pooled"));
        int port = LocalRuntime.freePort();
        Process agent = pooledAgent(dir, port, owner.pid());
        OkHttpClient http = new OkHttpClient();
        String base = "http://127.0.0.1:" + port;
        await().atMost(WAIT).ignoreExceptions().until(() -> get(http, base + "/healthz").equals("200 {\"status\":\"pooled\"}"));

        // nothing but a claim with its key: no messages, no claim without the key, no claim of another port
        assertThat(post(http, base + "/v0/messages", null, "{\"content\":\"hi\"}")).startsWith("503");
        assertThat(post(http, base + "/v0/claim", "wrong", "PILOTHOUSE_AGENT_PORT=" + port)).startsWith("401");
        assertThat(post(http, base + "/v0/claim", "secret-key", "PILOTHOUSE_AGENT_PORT=1\0PILOTHOUSE_WORKSPACE=" + dir))
                .startsWith("400").contains("this agent listens on 127.0.0.1:" + port);
        assertThat(post(http, base + "/v0/claim", "secret-key", "PILOTHOUSE_AGENT_PORT=" + port
                + "\0PILOTHOUSE_WORKSPACE=" + dir.resolve("missing"))).startsWith("400").contains("not an existing directory");

        // unclaimed, it exits with its owner: status 0
        owner.destroyForcibly();
        await().atMost(WAIT).until(() -> !agent.isAlive());
        assertThat(agent.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("exit")).strip()).isEqualTo("0");
        assertThat(Files.readString(dir.resolve("agent.log"))).contains("exiting unclaimed");
        assertThatThrownBy(() -> get(http, base + "/healthz")).isInstanceOf(IOException.class);
    }

    private static String get(OkHttpClient http, String url) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    private static String post(OkHttpClient http, String url, String key, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(url).post(RequestBody.create(body, MediaType.get("text/plain")));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        try (Response r = http.newCall(b.build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }
}
