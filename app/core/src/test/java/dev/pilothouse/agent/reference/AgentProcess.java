package dev.pilothouse.agent.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reference agent as Pilothouse runs it: a child JVM started through the launcher, with the
 * contract's environment, its log captured in files.
 */
final class AgentProcess {
    final Process process;
    final int port;
    final AgentHttp http;
    private final Path stdout;
    private final Path stderr;

    private AgentProcess(Process process, int port, Path stdout, Path stderr) {
        this.process = process;
        this.port = port;
        this.http = new AgentHttp(port);
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the agent on a free port with the workspace, any extra environment, and flags. */
    static AgentProcess start(Path workspace, Path logDir, Map<String, String> env, String... args) throws IOException {
        int port = freePort();
        String javaBin = System.getProperty("java.home") + "/bin/java";
        ProcessBuilder builder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                ReferenceAgent.class.getName());
        builder.command().addAll(List.of(args));
        builder.directory(workspace.toFile());
        // only what the test gives: no model settings from the machine running the tests
        builder.environment().keySet().removeIf(k -> k.startsWith("PILOTHOUSE_") || k.startsWith("OPENAI_"));
        builder.environment().put("PILOTHOUSE_AGENT_PORT", Integer.toString(port));
        builder.environment().put("PILOTHOUSE_AGENT_HOST", "127.0.0.1");
        builder.environment().put("PILOTHOUSE_WORKSPACE", workspace.toString());
        builder.environment().putAll(env);
        Files.createDirectories(logDir);
        Path out = Files.createTempFile(logDir, "agent", ".stdout");
        Path err = Files.createTempFile(logDir, "agent", ".stderr");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new AgentProcess(builder.start(), port, out, err);
    }

    AgentProcess awaitHealthy() {
        await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25)).untilAsserted(() -> {
            assertThat(process.isAlive()).as("agent still running; stderr: %s", stderr()).isTrue();
            assertThat(http.healthy()).isTrue();
        });
        return this;
    }

    int awaitExit() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> !process.isAlive());
        return process.exitValue();
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the agent and anything it started. */
    void kill() {
        http.close();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("agent killed").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
