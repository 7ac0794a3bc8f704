package dev.pilothouse;

import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The launcher's client without a JVM (lib/handoff.bash): a command for the engine that serves the
 * data dir runs there with the same output, stdin and exit code as through the JVM client, and
 * whatever it cannot do as that client would goes to the JVM client. That no JVM started is shown
 * by giving the JVM an option it refuses ({@link #NO_JVM}): a command that still works never
 * started one.
 */
class HandoffScriptIT {
    /** Any JVM the launcher starts fails at once with these options. */
    private static final Map<String, String> NO_JVM = Map.of("PILOTHOUSE_JAVA_OPTS", "-XX:+NoSuchOptionAnywhere");

    @TempDir
    Path tmp;
    private Path launcher;
    private Path dataDir;

    record Run(int code, String out, String err) {
    }

    private Run run(Map<String, String> env, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("TMPDIR", Files.createDirectories(tmp.resolve("tmpdir")).toString());
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("err").toFile()).redirectOutput(tmp.resolve("out").toFile());
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(args)).isTrue();
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out")), Files.readString(tmp.resolve("err")));
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), null, args);
    }

    private Run noJvm(String... args) throws Exception {
        return run(NO_JVM, null, args);
    }

    private static Map<String, String> env(Map<String, String> a, String k, String v) {
        Map<String, String> m = new HashMap<>(a);
        m.put(k, v);
        return m;
    }

    private long enginePid() throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(dataDir.resolve("engine.endpoint"))) {
            p.load(r);
        }
        return Long.parseLong(p.getProperty("pid"));
    }

    @BeforeEach
    void launcher() {
        Path installed = Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse")).toAbsolutePath();
        launcher = installed.resolve("bin/pilothouse");
        assertThat(installed.resolve("lib/handoff.build")).as("the build's handoff.build (packaging/launcher/cds-archive)").exists();
        dataDir = tmp.resolve("data dir");
    }

    @AfterEach
    void stop() throws Exception {
        if (Files.exists(dataDir.resolve("engine.endpoint"))) {
            run("engine", "stop");
        }
        if (Files.isDirectory(dataDir)) {
            try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
                r.volumes().forEach(r::stop); // the agents an engine leaves running, to be adopted
            }
        }
    }

    @Test
    void engineCommandsRunWithoutAJvmAsTheyDoThroughTheJvmClient() throws Exception {
        assertThat(noJvm("agents", "list").code()).as("no engine yet: the JVM client starts one").isNotZero();
        Run first = run("agents", "list");
        assertThat(first.code()).as(first.err()).isZero();

        // the same output and exit code, without a JVM
        assertThat(noJvm("agents", "list")).isEqualTo(first);
        Run missing = noJvm("sessions", "show", "nosuch");
        assertThat(missing.code()).isEqualTo(run(Map.of("PILOTHOUSE_CLIENT", "java"), null, "sessions", "show", "nosuch").code())
                .isNotZero();
        assertThat(missing.err()).contains("no session 'nosuch'");
        Run badOption = noJvm("sessions", "list", "--no-such-option");
        assertThat(badOption.code()).isEqualTo(2);
        assertThat(badOption.err()).contains("--no-such-option");

        assertThat(noJvm("sessions", "create", "plain", "--agent", "reference").code()).isZero();
        Run reply = noJvm("sessions", "send", "plain", "$ printf 'héllo wörld\\n'; printf 'a\\0b' >&2");
        assertThat(reply.code()).as(reply.err()).isZero();
        assertThat(reply.out()).contains("héllo wörld").contains("a\0b"); // UTF-8 whole, a zero byte through

        // stdin, read by the engine only when the command asks for it
        Run fromStdin = run(NO_JVM, "$ echo piped ünïcode\n", "sessions", "send", "plain", "-");
        assertThat(fromStdin.code()).as(fromStdin.err()).isZero();
        assertThat(fromStdin.out()).contains("piped ünïcode");
        try (var left = Files.list(tmp.resolve("tmpdir"))) {
            assertThat(left).as("the client's files for stdin, removed when it ends").isEmpty();
        }

        // a long answer in few frames, in order: the conversation as JSON, compared with the JVM client's
        Run messages = noJvm("sessions", "messages", "plain", "-o", "json");
        assertThat(messages.code()).isZero();
        assertThat(messages).isEqualTo(run(Map.of("PILOTHOUSE_CLIENT", "java"), null, "sessions", "messages", "plain", "-o", "json"));
        assertThat(messages.out()).contains("piped ünïcode");
    }

    @Test
    void aFollowStreamsUntilTheSessionIsPausedAndEndsWhenStopped() throws Exception {
        assertThat(run("sessions", "create", "followed", "--agent", "reference").code()).isZero();
        Path followed = tmp.resolve("follow.out");
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--data-dir", dataDir.toString(),
                "sessions", "logs", "followed", "-f"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(followed.toFile());
        pb.environment().putAll(NO_JVM);
        Process follow = pb.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(followed).contains("listening on"));
        assertThat(noJvm("sessions", "send", "followed", "$ echo a line for the follower").code()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(followed).contains("reply to message"));
        assertThat(noJvm("sessions", "pause", "followed").code()).isZero();
        assertThat(follow.waitFor(30, TimeUnit.SECONDS)).as("the follow ends with the session's run").isTrue();
        assertThat(follow.exitValue()).isZero();
        assertThat(Files.readString(followed)).contains("--- stopped following: session 'followed' is IDLE (paused)");

        // a follow stopped by a signal ends at once, as the shell's own commands do. SIGTERM, not Ctrl+C's
        // SIGINT: a build started in the background of a script (CI) runs with SIGINT ignored, and a
        // shell cannot take back a signal ignored when it started
        assertThat(noJvm("sessions", "resume", "followed").code()).isZero();
        Process again = pb.redirectOutput(tmp.resolve("again.out").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(tmp.resolve("again.out")).contains("listening on"));
        again.destroy(); // SIGTERM
        assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).isEqualTo(143);
        assertThat(noJvm("sessions", "show", "followed").out()).contains("READY");
    }

    @Test
    void whatItCannotDoAsTheJvmClientWouldGoesToTheJvmClient() throws Exception {
        assertThat(run("agents", "list").code()).isZero();
        long pid = enginePid();

        // commands that run in the CLI's own process: the engine refuses them to the script, the JVM runs them
        assertThat(run("--version").out()).startsWith("pilothouse ");
        assertThat(noJvm("--version").code()).as("--version needs the JVM").isNotZero();
        Run status = run("engine", "status");
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(noJvm("engine", "status").code()).isNotZero();
        assertThat(noJvm("sessions", "list", "--help").code()).isNotZero();

        // turned off by the operator
        assertThat(run(env(NO_JVM, "PILOTHOUSE_CLIENT", "java"), null, "agents", "list").code()).isNotZero();

        // another environment where it matters: the JVM client, whose engine makes way for one with it
        Map<String, String> keyed = Map.of("OPENAI_API_KEY", "sk-test-not-real");
        Run withKey = run(keyed, null, "agents", "list");
        assertThat(withKey.code()).as(withKey.err()).isZero();
        assertThat(enginePid()).as("an engine started with the key").isNotEqualTo(pid);
        // that engine then takes the script's commands with the same key, without a JVM
        assertThat(run(env(NO_JVM, "OPENAI_API_KEY", "sk-test-not-real"), null, "agents", "list").code()).isZero();
        assertThat(run(env(NO_JVM, "OPENAI_API_KEY", "sk-other"), null, "agents", "list").code())
                .as("a key that differs is not the script's to hand over").isNotZero();
    }
}
