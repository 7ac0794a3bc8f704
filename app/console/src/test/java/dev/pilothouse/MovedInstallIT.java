package dev.pilothouse;

import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The launcher copied elsewhere than its class-data archives were made (as a package installs it):
 * the archives hold the class path they were made with and the JVM ignores them there, so the
 * launcher records this user's own on first use and maps them from then on.
 */
class MovedInstallIT {
    @TempDir
    Path tmp;
    private Path launcher;
    private Path home;
    private Path dataDir;
    private final List<Process> processes = new ArrayList<>();

    private record Ran(int code, String out) {
    }

    private Process start(Path launcher, Map<String, String> env, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(launcher.toString()), Stream.of(args)).toList())
                .redirectErrorStream(true);
        pb.environment().remove("XDG_CACHE_HOME");
        pb.environment().remove("DISPLAY");
        pb.environment().remove("PILOTHOUSE_JAVA_OPTS");
        pb.environment().put("HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private Ran run(Path launcher, Map<String, String> env, String stdin, String... args) throws Exception {
        Process p = start(launcher, env, args);
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Ran(p.exitValue(), out);
    }

    @AfterEach
    void stop() throws Exception {
        if (dataDir != null && Files.exists(dataDir.resolve("engine.endpoint"))) {
            run(launcher, Map.of(), "", "--data-dir", dataDir.toString(), "engine", "stop");
        }
        processes.forEach(Process::destroyForcibly);
        if (dataDir != null && Files.isDirectory(dataDir)) {
            try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
                r.volumes().forEach(r::stop); // the agents an engine leaves running, to be adopted
            }
        }
    }

    /** target/pilothouse, copied to {@code tmp/elsewhere}: its archives still say where they were made. */
    private Path moved() throws IOException {
        Path installed = built();
        assertThat(installed.resolve("lib/cds.home")).as("where the build's archives were made").exists();
        Path to = Files.createDirectories(tmp.resolve("elsewhere")).resolve("pilothouse");
        try (Stream<Path> all = Files.walk(installed)) {
            all.forEach(from -> {
                try {
                    Files.copy(from, to.resolve(installed.relativize(from).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return to.resolve("bin/pilothouse");
    }

    private static Path built() {
        return Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse")).toAbsolutePath();
    }

    /** The files of this user's archive folders (one folder per place and build). */
    private List<Path> recorded() throws IOException {
        Path cds = home.resolve(".cache/pilothouse/cds");
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(cds)) {
            return all.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void aMovedInstallRecordsArchivesOfItsOwnOnFirstUseAndMapsThemAfter() throws Exception {
        launcher = moved();
        home = Files.createDirectories(tmp.resolve("home"));
        dataDir = tmp.resolve("data");

        // the first command runs in a JVM (no engine yet) that records it; what it reads from stdin still reaches it
        Ran created = run(launcher, Map.of(), "$ echo piped through\n", "--data-dir", dataDir.toString(),
                "sessions", "create", "piped", "--agent", "reference", "--prompt-file", "-");
        assertThat(created.code()).as(created.out()).isZero();
        List<Path> files = recorded();
        assertThat(files).as("the CLI's archive, whole, nothing half-written beside it").hasSize(1);
        Path cli = files.get(0);
        assertThat(cli.getFileName().toString()).isEqualTo("cli.jsa");
        assertThat(Files.size(cli)).isPositive();
        Ran shown = run(launcher, Map.of(), "", "--data-dir", dataDir.toString(), "sessions", "show", "piped", "-o", "json");
        assertThat(shown.out()).contains("$ echo piped through");

        // the next JVM maps it: the archive opens, and its class path matches
        Ran version = run(launcher, Map.of("PILOTHOUSE_JAVA_OPTS", "-Xlog:cds=info -Xlog:class+path=info"), "", "--version");
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).contains(cli.toString()).doesNotContain("mismatch");

        // where the build made them, its own are used and nothing is recorded
        Path otherHome = Files.createDirectories(tmp.resolve("home in place"));
        Ran inPlace = run(built().resolve("bin/pilothouse"), Map.of("HOME", otherHome.toString()), "", "--version");
        assertThat(inPlace.code()).isZero();
        assertThat(otherHome.resolve(".cache")).doesNotExist();
    }

    @Test
    void whileItRecordsTheLauncherPassesSigtermOnAndTheArchiveIsKept() throws Exception {
        launcher = moved();
        home = Files.createDirectories(tmp.resolve("home"));
        dataDir = tmp.resolve("data");
        Process engine = start(launcher, Map.of(), "--data-dir", dataDir.toString(), "engine", "run");
        engine.getOutputStream().close();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dataDir.resolve("engine.endpoint")));
        List<ProcessHandle> jvms = engine.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
        assertThat(jvms).as("the JVM runs as the launcher's child while it records").isNotEmpty();

        engine.destroy(); // SIGTERM to the launcher
        assertThat(engine.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(jvms).allMatch(h -> !h.isAlive());
        assertThat(recorded()).hasSize(1).allMatch(p -> p.getFileName().toString().equals("cli.jsa"));
    }
}
