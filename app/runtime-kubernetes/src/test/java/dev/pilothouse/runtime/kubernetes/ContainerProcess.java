package dev.pilothouse.runtime.kubernetes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of an agent container: the reference agent as a real child JVM (started as Pilothouse
 * starts local agents), with the container's environment, its workspace mapped onto the directory
 * standing for the PVC, and its stdout and stderr going to the container's log line by line, as
 * a container runtime keeps them. The pod's port is whatever free loopback port the agent picked:
 * it says so in its first log line.
 */
final class ContainerProcess {
    /** What Pilothouse gives the agents it runs locally: small and quick to start. */
    private static final List<String> JVM_OPTS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k",
            "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-Xshare:auto");
    private static final Pattern LISTENING = Pattern.compile("listening on [^ ]+:(\\d+) ");

    private final Process process;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();

    private ContainerProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts the agent; {@code exited} hears its exit status once its output is all in the log.
     *
     * @param env the container's environment, with its paths already mapped to this machine
     */
    static ContainerProcess start(Map<String, String> env, Path workDir, ContainerLogs.Log log, IntConsumer exited) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTS);
        command.add("-cp");
        command.add(dev.pilothouse.agent.reference.AgentClassPath.of(System.getProperty("java.class.path")));
        // the agent image's entrypoint: the reference agent's own main (packaging/agent-image/Dockerfile)
        command.add("dev.pilothouse.agent.reference.ReferenceAgent");
        ProcessBuilder b = withPodEnvironment(new ProcessBuilder(command).directory(workDir.toFile()), env)
                .redirectErrorStream(true);
        Process p;
        try {
            p = b.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the agent process", e);
        }
        ContainerProcess c = new ContainerProcess(p);
        Thread reader = new Thread(() -> c.pump(p.getInputStream(), log, exited), "container-log-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        return c;
    }

    /** The container's environment and only what the pod gives: no settings from the machine running the tests. */
    static ProcessBuilder withPodEnvironment(ProcessBuilder b, Map<String, String> env) {
        b.environment().keySet().removeIf(k -> k.startsWith("PILOTHOUSE_") || k.startsWith("OPENAI_"));
        b.environment().putAll(env);
        return b;
    }

    private void pump(InputStream in, ContainerLogs.Log log, IntConsumer exited) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        String text = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        if (!port.isDone()) {
                            Matcher m = LISTENING.matcher(text);
                            if (m.find()) {
                                port.complete(Integer.parseInt(m.group(1)));
                            }
                        }
                        log.append(text);
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        if (line.size() > 0) {
            log.append(line.toString(StandardCharsets.UTF_8));
        }
        int code;
        try {
            code = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        port.complete(-1);
        exited.accept(code);
    }

    /** The loopback port the agent listens on, once it said so; -1 when it exited before. */
    CompletableFuture<Integer> port() {
        return port;
    }

    /** The port now, or null before the agent listens. */
    Integer portNow() {
        Integer p = port.getNow(null);
        return p == null || p < 0 ? null : p;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits (up to 30 s) until the process has ended. */
    void awaitExit() {
        try {
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL: what the kernel's OOM killer and a crash of the node's runtime do. */
    void kill() {
        process.destroyForcibly();
    }

    /** SIGTERM: what the kubelet sends first when a pod is deleted. */
    void terminate() {
        process.destroy();
    }
}
