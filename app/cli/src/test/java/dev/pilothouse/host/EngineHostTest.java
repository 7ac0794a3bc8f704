package dev.pilothouse.host;

import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine host in this JVM, reached the way another process reaches it: over its loopback port. */
class EngineHostTest {
    @TempDir
    Path dataDir;
    private final List<EngineHost> hosts = new ArrayList<>();

    private EngineHost host(EngineHost.Kind kind, Duration idle) {
        EngineHost h = EngineHost.open(EngineConfig.of(dataDir), () -> new Runtimes(dataDir), kind, idle);
        hosts.add(h);
        return h;
    }

    @AfterEach
    void close() {
        hosts.forEach(EngineHost::close);
    }

    private record Ran(int exit, String out, String err) {
    }

    private Ran run(InputStream stdin, String... args) throws IOException {
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        int code = CommandClient.run(ep.port(), Endpoint.secret(dataDir),
                Frames.buildAndEnvironment(BuildInfo.build(), Environment.current()), dataDir, all, stdin, out, err);
        return new Ran(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void servesCommandsOnLoopbackWithAnOwnerOnlySecret() throws Exception {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        assertThat(ep.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(ep.kind()).isEqualTo(EngineHost.Kind.CONSOLE);
        assertThat(Files.getPosixFilePermissions(dataDir.resolve(Endpoint.SECRET)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        Ran listed = run(InputStream.nullInputStream(), "agents", "list");
        assertThat(listed.exit()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("reference");

        // bound to loopback only: the port is not open on the machine's other addresses
        for (InetAddress a : InetAddress.getAllByName(InetAddress.getLocalHost().getHostName())) {
            if (!a.isLoopbackAddress()) {
                assertThatThrownBy(() -> new Socket(a, ep.port()).close()).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void aClientWithoutTheSecretIsRefusedAndNothingRuns() throws Exception {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        assertThatThrownBy(() -> CommandClient.run(ep.port(), "guessed", BuildInfo.build(), dataDir,
                List.of("--data-dir", dataDir.toString(), "sessions", "create", "x", "--agent", "reference"),
                InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(CommandClient.Refused.class, r -> assertThat(r.why).isEqualTo(Frames.Refusal.AUTH));
        assertThat(Engine.openInThisProcess(dataDir).orElseThrow().sessions(true)).isEmpty();
    }

    @Test
    void aClientOfAnotherBuildIsRefusedAndTheBackgroundEngineMakesWay() throws Exception {
        EngineHost h = host(EngineHost.Kind.BACKGROUND, Duration.ofHours(1));
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        assertThatThrownBy(() -> CommandClient.run(ep.port(), Endpoint.secret(dataDir), "0.0.1+older", dataDir,
                List.of("agents", "list"), InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(CommandClient.Refused.class, r -> assertThat(r.why).isEqualTo(Frames.Refusal.BUILD));
        assertThat(h.awaitStopped()).contains("another build");
        assertThat(Endpoint.read(dataDir)).isEmpty();
    }

    /** This process's environment fingerprint with another kubeconfig, as a command from another shell would send. */
    private static String otherKubeconfig() {
        java.util.Map<String, String> env = new java.util.TreeMap<>(Environment.current());
        env.put("KUBECONFIG", "digest-of-another-kubeconfig");
        return Frames.buildAndEnvironment(BuildInfo.build(), env);
    }

    @Test
    void aCommandFromAnotherEnvironmentIsNotRunByTheConsoleAndSaysWhichVariablesDiffer() throws Exception {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        assertThatThrownBy(() -> CommandClient.run(ep.port(), Endpoint.secret(dataDir), otherKubeconfig(), dataDir,
                List.of("--data-dir", dataDir.toString(), "sessions", "create", "x", "--agent", "reference"),
                InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(CommandClient.Refused.class, r -> {
                    assertThat(r.why).isEqualTo(Frames.Refusal.ENV);
                    assertThat(r.getMessage()).isEqualTo("KUBECONFIG");
                });
        assertThat(Engine.openInThisProcess(dataDir).orElseThrow().sessions(true)).as("nothing ran").isEmpty();
        Ran same = run(InputStream.nullInputStream(), "agents", "list");
        assertThat(same.exit()).as("the console still serves its own environment: " + same.err()).isZero();
    }

    @Test
    void aBackgroundEngineMakesWayForACommandFromAnotherEnvironment() throws Exception {
        EngineHost h = host(EngineHost.Kind.BACKGROUND, Duration.ofHours(1));
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        assertThatThrownBy(() -> CommandClient.run(ep.port(), Endpoint.secret(dataDir), otherKubeconfig(), dataDir,
                List.of("agents", "list"), InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(CommandClient.Refused.class, r -> assertThat(r.why).isEqualTo(Frames.Refusal.ENV));
        assertThat(h.awaitStopped()).contains("another environment").contains("KUBECONFIG");
    }

    /** {@code pilothouse engine status} typed in a shell of this process's environment: the JVM client. */
    private Ran engineStatus() {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = dev.pilothouse.cli.Cli.run(new String[]{"--data-dir", dataDir.toString(), "engine", "status"},
                new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        return new Ran(code, out.toString(), err.toString());
    }

    @Test
    void engineStatusComesFromTheEngineItselfForAnyClientAndNothingMakesWay() throws Exception {
        EngineHost h = host(EngineHost.Kind.BACKGROUND, Duration.ofHours(1));
        long pid = ProcessHandle.current().pid();

        // typed in a shell: the JVM client asks the serving engine, which names what it keeps ready
        Ran status = engineStatus();
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).startsWith("the background engine (pid " + pid + ") serves ")
                .contains("; commands running: 0\nagent pool: "); // the suite runs without a pool: "off (…)"

        // from a shell with another environment: answered, and the background engine does not make way for it
        ByteArrayOutputStream foreign = new ByteArrayOutputStream();
        int code = CommandClient.run(Endpoint.read(dataDir).orElseThrow().port(), Endpoint.secret(dataDir), otherKubeconfig(),
                dataDir, List.of("--data-dir", dataDir.toString(), "engine", "status"), InputStream.nullInputStream(),
                foreign, new ByteArrayOutputStream());
        assertThat(code).isZero();
        assertThat(foreign.toString(StandardCharsets.UTF_8)).contains("agent pool:");
        assertThat(run(InputStream.nullInputStream(), "agents", "list").exit()).as("still serving").isZero();
        assertThat(Endpoint.read(dataDir)).hasValueSatisfying(ep -> assertThat(ep.pid()).isEqualTo(pid));

        // any other command from there is still refused, and the engine makes way
        assertThatThrownBy(() -> CommandClient.run(Endpoint.read(dataDir).orElseThrow().port(), Endpoint.secret(dataDir),
                otherKubeconfig(), dataDir, List.of("engine", "status", "--help"), InputStream.nullInputStream(),
                new ByteArrayOutputStream(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(CommandClient.Refused.class, r -> assertThat(r.why).isEqualTo(Frames.Refusal.ENV));
        assertThat(h.awaitStopped()).contains("another environment");
    }

    @Test
    void engineStatusSaysWhatTheEndpointSaysWhenTheEngineDoesNotAnswer() throws Exception {
        // a wedged engine: the kernel accepts the connection, nothing ever answers
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Endpoint.secret(dataDir);
            new Endpoint(ProcessHandle.current().pid(), silent.getLocalPort(), EngineHost.Kind.BACKGROUND, BuildInfo.build(),
                    java.time.Instant.now()).write(dataDir);
            Ran status = engineStatus();
            assertThat(status.exit()).isZero();
            assertThat(status.out()).startsWith("the background engine (pid " + ProcessHandle.current().pid() + ", since ")
                    .contains(" serves ");
            assertThat(status.err()).contains("did not answer within " + Remote.STATUS_WAIT.toSeconds() + " s");
        }
    }

    @Test
    void theFingerprintHoldsDigestsOfWhatChangesACommandNeverValues() {
        java.util.Map<String, String> fp = Environment.fingerprint(java.util.Map.of("KUBECONFIG", "/home/a/.kube/config",
                "OPENAI_API_KEY", "sk-secret-value", "GITHUB_TOKEN", "ghp_x", "HOME", "/home/a", "TERM", "xterm"));
        assertThat(fp).containsOnlyKeys("KUBECONFIG", "OPENAI_API_KEY", "GITHUB_TOKEN");
        assertThat(Environment.encode(fp)).doesNotContain("sk-secret-value").doesNotContain("/home/a");
        assertThat(Environment.differing(fp, Environment.decode(Environment.encode(fp)))).isEmpty();
        assertThat(Environment.differing(fp, Environment.fingerprint(java.util.Map.of("KUBECONFIG", "/other"))))
                .containsExactly("GITHUB_TOKEN", "KUBECONFIG", "OPENAI_API_KEY");
    }

    @Test
    void stdinIsReadOnlyWhenTheCommandAsksForIt() throws Exception {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        AtomicInteger reads = new AtomicInteger();
        InputStream counting = new InputStream() {
            @Override
            public int read() {
                reads.incrementAndGet();
                return -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                reads.incrementAndGet();
                return -1;
            }
        };
        assertThat(run(counting, "sessions", "list").exit()).isZero();
        assertThat(reads).hasValue(0);

        Ran created = run(new ByteArrayInputStream("name: piped\ncommand: [sh, -c, 'sleep 1']\n".getBytes(StandardCharsets.UTF_8)),
                "agents", "create", "-f", "-");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(run(InputStream.nullInputStream(), "agents", "show", "piped").out()).contains("sleep 1");
    }

    @Test
    void relativeFileNamesAreTheClients() throws Exception {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        Files.writeString(dataDir.resolve("agent.yaml"), "name: from-file\ncommand: [sh, -c, 'sleep 1']\n");
        Ran created = run(InputStream.nullInputStream(), "agents", "create", "-f", "agent.yaml");
        assertThat(created.exit()).as(created.err()).isZero();
    }

    @Test
    void aSecondEngineOnTheDataDirIsRefusedSayingWhoHasIt() {
        host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        assertThatThrownBy(() -> host(EngineHost.Kind.SERVE, Duration.ZERO))
                .isInstanceOf(DataDirInUseException.class).hasMessageContaining("the console (pid " + ProcessHandle.current().pid());
    }

    @Test
    void theBackgroundEngineStopsWhenIdleAndWhenItsDataDirIsDeleted() throws Exception {
        EngineHost idle = host(EngineHost.Kind.BACKGROUND, Duration.ofMillis(100));
        assertThat(idle.awaitStopped()).contains("idle");
        assertThat(Endpoint.read(dataDir)).isEmpty();

        EngineHost orphaned = host(EngineHost.Kind.BACKGROUND, Duration.ofHours(1));
        Files.delete(dataDir.resolve(dev.pilothouse.engine.DataDirLock.FILE));
        assertThat(orphaned.awaitStopped()).contains("was deleted");
    }

    @Test
    void aConsoleTakesOverFromTheBackgroundEngine() {
        EngineHost background = host(EngineHost.Kind.BACKGROUND, Duration.ofHours(1));
        EngineHost console = host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        assertThatCode(background::awaitStopped).doesNotThrowAnyException();
        assertThat(Endpoint.read(dataDir).orElseThrow().kind()).isEqualTo(EngineHost.Kind.CONSOLE);
        assertThat(console.engine().agents(false)).isNotEmpty();
    }

    @Test
    void aCommandThatFindsEverySlotTakenWaitsForOneInsteadOfFailing() throws Exception {
        EngineHost host = host(EngineHost.Kind.CONSOLE, Duration.ZERO);
        int port = Endpoint.read(dataDir).orElseThrow().port();
        // connections that never say hello hold every slot (until the hello timeout, 30 s)
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < CommandServer.MAX_COMMANDS; i++) {
                silent.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            // one more is refused as busy, and the client reads why (the connection is not reset under it)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThatThrownBy(() -> run(InputStream.nullInputStream(), "agents", "list"))
                            .isInstanceOfSatisfying(CommandClient.Refused.class,
                                    r -> assertThat(r.why).isEqualTo(Frames.Refusal.BUSY))
                            .hasMessageContaining(CommandServer.MAX_COMMANDS + " commands"));

            int refusedBefore = host.commandsRefusedBusy();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            java.util.concurrent.CompletableFuture<Integer> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Remote.run(dataDir, List.of("--data-dir", dataDir.toString(), "agents", "list"),
                            InputStream.nullInputStream(), out, err));
            // refused twice: it took the first refusal for "ask again", not for a failure
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> host.commandsRefusedBusy() >= refusedBefore + 2);
            assertThat(waiting).isNotDone();

            silent.remove(0).close();
            assertThat(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS)).as(err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("reference");
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }
}
