package dev.pilothouse.host;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's shell client (packaging/launcher/handoff.bash) against a command server of this
 * JVM, or a socket that misbehaves: what it runs on the engine, and what it leaves to the JVM client
 * (here a stand-in launcher that says it was asked, with which arguments).
 */
@EnabledOnOs(OS.LINUX)
class HandoffScriptTest {
    private static final Path SCRIPT = Path.of(System.getProperty("pilothouse.root", "../.."), "packaging/launcher/handoff.bash")
            .toAbsolutePath();
    private static final String BUILD = "9.9.9+test";

    @TempDir
    Path tmp;
    private Path dataDir;
    private Path launcher;
    private CommandServer server;
    private final AtomicInteger ran = new AtomicInteger();
    /** Why the engine was told to make way, each time it was. */
    private final List<String> madeWay = new java.util.concurrent.CopyOnWriteArrayList<>();

    record Run(int code, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private void setUp() throws IOException {
        dataDir = Files.createDirectories(tmp.resolve("data"));
        launcher = tmp.resolve("pilothouse");
        Files.writeString(launcher, "#!/bin/sh\necho \"the JVM client ($PILOTHOUSE_CLIENT): $*\"\nexit 42\n");
        launcher.toFile().setExecutable(true);
    }

    /** A command server for the data dir with an empty environment fingerprint, published as its engine. */
    private void serve(ToIntFunction<Invocation> handler, Predicate<List<String>> engineCommand, String build) throws IOException {
        setUp();
        server = new CommandServer(Endpoint.secret(dataDir), BUILD, Map.of(), inv -> {
            ran.incrementAndGet();
            return handler.applyAsInt(inv);
        }, engineCommand, args -> false, madeWay::add);
        new Endpoint(ProcessHandle.current().pid(), server.port(), EngineHost.Kind.BACKGROUND, build, Instant.now()).write(dataDir);
    }

    private Run run(Map<String, String> env, byte[] stdin, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        return runAsTyped(env, stdin, all);
    }

    /** The script with exactly these arguments, from {@code tmp}, HOME=tmp unless {@code env} says otherwise. */
    private Run runAsTyped(Map<String, String> env, byte[] stdin, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), launcher.toString(), BUILD));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("TMPDIR", Files.createDirectories(tmp.resolve("tmpdir")).toString());
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("err").toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out, Files.readString(tmp.resolve("err")));
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), new byte[0], args);
    }

    @Test
    void aCommandRunsOnTheEngineWithItsOutputStdinAndExitCode() throws Exception {
        serve(inv -> {
            try {
                String in = new String(inv.stdin().readAllBytes(), StandardCharsets.UTF_8);
                inv.out().println("read " + in.length() + " characters: " + in);
                for (int i = 0; i < 1000; i++) {
                    inv.out().println("row " + i);
                }
                inv.out().print("a\0b\n");
                inv.out().flush();
                inv.err().println("a warning, ünïcode");
                return 7;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, args -> true, BUILD);
        byte[] stdin = "from stdin, ünïcode\n".repeat(5000).getBytes(StandardCharsets.UTF_8);
        Run r = run(Map.of(), stdin, "sessions", "list");

        StringBuilder expected = new StringBuilder("read " + 100_000 + " characters: "
                + "from stdin, ünïcode\n".repeat(5000) + "\n");
        for (int i = 0; i < 1000; i++) {
            expected.append("row ").append(i).append('\n');
        }
        expected.append("a\0b\n");
        assertThat(r.text()).isEqualTo(expected.toString());
        assertThat(r.err()).isEqualTo("a warning, ünïcode\n");
        assertThat(r.code()).isEqualTo(7);
        assertThat(ran).hasValue(1);
        try (var left = Files.list(tmp.resolve("tmpdir"))) {
            assertThat(left).as("its files for stdin, removed").isEmpty();
        }
    }

    @Test
    void whatTheEngineSaysRunsInTheCliGoesToTheJvmClientWithTheSameArguments() throws Exception {
        serve(inv -> 0, args -> !args.contains("status"), BUILD);
        Run r = run("engine", "status");
        assertThat(r.text()).isEqualTo("the JVM client (java): --data-dir " + dataDir + " engine status\n");
        assertThat(r.code()).isEqualTo(42);
        assertThat(ran).hasValue(0);
    }

    @Test
    void aCommandOfTheCliFromAnotherEnvironmentDoesNotMakeTheEngineMakeWay() throws Exception {
        serve(inv -> 0, args -> !args.contains("status"), BUILD);
        Map<String, String> other = Map.of("OPENAI_API_KEY", "sk-not-real");
        assertThat(run(other, new byte[0], "engine", "status").code()).as("the JVM client runs it").isEqualTo(42);
        assertThat(madeWay).as("nothing asked the engine to make way").isEmpty();
        // an engine command from there does: the JVM client then starts an engine with its environment
        assertThat(run(other, new byte[0], "agents", "list").code()).isEqualTo(42);
        assertThat(madeWay).singleElement().asString().contains("OPENAI_API_KEY");
        assertThat(ran).hasValue(0);
    }

    @Test
    void anEngineOfAnotherBuildIsLeftToTheJvmClient() throws Exception {
        serve(inv -> 0, args -> true, "9.9.8+older");
        assertThat(run("agents", "list").text()).startsWith("the JVM client (java): ");
        assertThat(ran).hasValue(0);
    }

    @Test
    void aRefusalGoesToTheJvmClientWhichAsksAgainAndSaysWhy() throws Exception {
        serve(inv -> 0, args -> true, BUILD);
        // another key in the environment than the engine's (none)
        assertThat(run(Map.of("OPENAI_API_KEY", "sk-not-real"), new byte[0], "agents", "list").code()).isEqualTo(42);
        // another secret than the data dir's
        Files.writeString(dataDir.resolve(Endpoint.SECRET), "not-the-secret");
        assertThat(run("agents", "list").code()).isEqualTo(42);
        assertThat(ran).hasValue(0);
    }

    /** A loopback socket standing in for an engine: each connection gets {@code answer} after the hello was sent. */
    private void fakeEngine(byte[] answer) throws IOException {
        setUp();
        ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (ss; Socket s = ss.accept()) {
                // the whole hello first: a socket closed with unread bytes resets the connection, and the
                // client may then never see the answer
                DataInputStream in = new DataInputStream(s.getInputStream());
                for (int i = 0; i < 4; i++) {
                    Frames.readString(in); // hello, secret, build and environment, working directory
                }
                for (int n = in.readInt(); n > 0; n--) {
                    Frames.readString(in);
                }
                s.getOutputStream().write(answer);
                s.getOutputStream().flush();
                s.shutdownOutput();
                in.readAllBytes(); // until the client closes
            } catch (IOException ignored) {
                // the test reads what the client made of it
            }
        });
        t.setDaemon(true);
        t.start();
        Endpoint.secret(dataDir);
        new Endpoint(ProcessHandle.current().pid(), ss.getLocalPort(), EngineHost.Kind.BACKGROUND, BUILD, Instant.now()).write(dataDir);
    }

    @Test
    void aBusyEngineRefusesBeforeTheHelloAndTheJvmClientAsksAgain() throws Exception {
        ByteArrayOutputStream busy = new ByteArrayOutputStream();
        byte[] why = "BUSY the engine is running 64 commands already; retry in a moment".getBytes(StandardCharsets.UTF_8);
        Frames.write(new DataOutputStream(busy), Frames.REFUSED, why, 0, why.length);
        fakeEngine(busy.toByteArray());
        assertThat(run("agents", "list").text()).startsWith("the JVM client (java): ");
    }

    @Test
    void aConnectionThatBreaksMidCommandIsReportedAndNeverRunAgain() throws Exception {
        fakeEngine("1 9\nhalf a l".getBytes(StandardCharsets.US_ASCII)); // 8 of the 9 bytes, then closed
        Run r = run("sessions", "create", "x");
        assertThat(r.text()).as("what came is printed, the JVM client is not asked").isEqualTo("half a l");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: the connection to the engine (pid " + ProcessHandle.current().pid()
                + ") broke while it ran the command (the engine closed the connection before the command finished)");
    }

    @Test
    void theDataDirIsFoundAsTheJvmClientFindsIt() throws Exception {
        serve(inv -> {
            inv.out().println("served");
            return 0;
        }, args -> true, BUILD);
        // the same data dir under the names the other rules give it
        Files.createDirectories(tmp.resolve("xdg"));
        Files.createSymbolicLink(tmp.resolve("xdg/pilothouse"), dataDir);
        Files.createDirectories(tmp.resolve("home/.local/share"));
        Files.createSymbolicLink(tmp.resolve("home/.local/share/pilothouse"), dataDir);
        String other = tmp.resolve("other").toString();
        List<String> list = List.of("agents", "list");

        assertThat(typed(Map.of(), "--data-dir", "data", "agents", "list")).as("relative to the working directory").isEqualTo("served\n");
        assertThat(typed(Map.of(), "--data-dir=data", "agents", "list")).isEqualTo("served\n");
        assertThat(typed(Map.of("PILOTHOUSE_HOME", dataDir.toString()), list)).isEqualTo("served\n");
        assertThat(typed(Map.of("XDG_DATA_HOME", tmp.resolve("xdg").toString()), list)).isEqualTo("served\n");
        assertThat(typed(Map.of("HOME", tmp.resolve("home").toString()), list)).isEqualTo("served\n");
        // each rule before the next: the first names a data dir no engine serves, so the JVM client is asked
        assertThat(typed(Map.of("PILOTHOUSE_HOME", dataDir.toString()), "--data-dir", other, "agents", "list"))
                .startsWith("the JVM client");
        assertThat(typed(Map.of("PILOTHOUSE_HOME", other, "XDG_DATA_HOME", tmp.resolve("xdg").toString()), list))
                .startsWith("the JVM client");
        assertThat(typed(Map.of("XDG_DATA_HOME", other, "HOME", tmp.resolve("home").toString()), list))
                .startsWith("the JVM client");
        // a relative XDG_DATA_HOME is ignored, as the XDG rules (and DataDirs) say
        assertThat(typed(Map.of("XDG_DATA_HOME", "xdg-relative", "HOME", tmp.resolve("home").toString()), list))
                .isEqualTo("served\n");
        assertThat(ran.get()).isEqualTo(6);
    }

    private String typed(Map<String, String> env, List<String> args) throws Exception {
        return runAsTyped(env, new byte[0], args).text();
    }

    private String typed(Map<String, String> env, String... args) throws Exception {
        return typed(env, List.of(args));
    }
}
