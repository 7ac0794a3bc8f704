package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code pods/exec} on the fake cluster through fabric8's own exec (which speaks
 * {@code v4.channel.k8s.io}), and, for what fabric8 does not send (v5, its half-close), a
 * websocket of fabric8's HTTP client: the command runs as a real process on the pod's volume.
 */
class ExecTest extends KubernetesTestBase {
    private static final String CONTAINER = "reference";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** What an exec wrote and how it ended: the exit code fabric8 parsed and the Status it parsed it from. */
    private record Ran(byte[] out, byte[] err, Integer exitCode, Status status) {
        String stdout() {
            return new String(out, StandardCharsets.UTF_8);
        }

        String stderr() {
            return new String(err, StandardCharsets.UTF_8);
        }
    }

    /** A session's pod with its agent running. */
    private String runningPod(String name) {
        Session s = engine.create(CreateRequest.of(name, "reference"), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return ObjectNames.of(s.id());
    }

    private ContainerResource container(String pod) {
        return api.pods().inNamespace(NS).withName(pod).inContainer(CONTAINER);
    }

    /** Runs {@code command} to its end through fabric8's exec, stdout and stderr apart. */
    private Ran exec(String pod, String... command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Status> status = new CompletableFuture<>();
        try (ExecWatch watch = container(pod).writingOutput(out).writingError(err).usingListener(new ExecListener() {
            @Override
            public void onExit(int code, Status s) {
                status.complete(s);
            }

            @Override
            public void onClose(int code, String reason) {
            }
        }).exec(command)) {
            Integer code = watch.exitCode().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return new Ran(out.toByteArray(), err.toByteArray(), code, status.getNow(null));
        }
    }

    @Test
    void stdoutAndStderrComeApartAndTheExitCodeIsTheCommands() throws Exception {
        String pod = runningPod("exec-streams");

        Ran failed = exec(pod, "sh", "-c", "echo to-out; echo to-err >&2; exit 3");
        assertThat(failed.stdout()).isEqualTo("to-out\n");
        assertThat(failed.stderr()).isEqualTo("to-err\n");
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.status().getReason()).isEqualTo("NonZeroExitCode");
        assertThat(failed.status().getMessage()).isEqualTo("command terminated with non-zero exit code: "
                + "error executing command [sh -c echo to-out; echo to-err >&2; exit 3], exit code 3");

        Ran fine = exec(pod, "echo", "fine");
        assertThat(fine.stdout()).isEqualTo("fine\n");
        assertThat(fine.stderr()).isEmpty();
        assertThat(fine.exitCode()).isZero();
        assertThat(fine.status().getStatus()).isEqualTo("Success");
        assertThat(cluster.requests).anyMatch(r -> r.startsWith("GET /api/v1/namespaces/team-a/pods/" + pod + "/exec?command=echo&command=fine")
                && r.contains("container=reference") && r.contains("stdout=true") && r.contains("stderr=true"));

        Ran missing = exec(pod, "no-such-command");
        assertThat(missing.exitCode()).as("not an exit: the command did not start").isEqualTo(-1);
        assertThat(missing.status().getReason()).isEqualTo("InternalError");
        assertThat(missing.status().getMessage()).startsWith("Internal error occurred: error executing command in container: ")
                .contains("no-such-command");
    }

    @Test
    void theWorkspaceIsTheVolume() throws Exception {
        String pod = runningPod("exec-files");
        Path volume = kubelet.volume(NS, pod);
        Files.writeString(volume.resolve("notes.txt"), "written by the test\n");

        assertThat(exec(pod, "cat", "/workspace/notes.txt").stdout()).isEqualTo("written by the test\n");
        assertThat(exec(pod, "ls", "/workspace").stdout().lines()).contains("notes.txt");
        assertThat(exec(pod, "cat", "notes.txt").stdout()).as("the working directory is the workspace")
                .isEqualTo("written by the test\n");

        Ran wrote = exec(pod, "sh", "-c", "echo from-the-pod > /workspace/made.txt");
        assertThat(wrote.exitCode()).isZero();
        assertThat(Files.readString(volume.resolve("made.txt"))).isEqualTo("from-the-pod\n");
        assertThat(exec(pod, "sh", "-c", "echo $PILOTHOUSE_WORKSPACE").stdout()).as("the container's environment")
                .isEqualTo(volume + "\n");
        assertThat(exec(pod, "cat", "/workspace/absent.txt").exitCode()).isEqualTo(1);
    }

    @Test
    void aBigOutputArrivesWholeAndInOrder() throws Exception {
        String pod = runningPod("exec-big");
        byte[] data = new byte[3_000_000];
        new Random(42).nextBytes(data);
        Files.write(kubelet.volume(NS, pod).resolve("big.bin"), data);

        Ran cat = exec(pod, "cat", "/workspace/big.bin");
        assertThat(cat.exitCode()).isZero();
        assertThat(cat.out().length).isEqualTo(data.length);
        assertThat(Arrays.mismatch(cat.out(), data)).as("the first byte that differs").isEqualTo(-1);

        Ran encoded = exec(pod, "sh", "-c", "head -c 3000000 /dev/zero | base64");
        assertThat(encoded.exitCode()).isZero();
        assertThat(encoded.stdout().replace("\n", "")).isEqualTo(Base64.getEncoder().encodeToString(new byte[3_000_000]));
    }

    @Test
    void stdinIsPipedInAndOutputArrivesWhileTheCommandRuns() throws Exception {
        String pod = runningPod("exec-stdin");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExecWatch watch = container(pod).redirectingInput().writingOutput(out)
                .exec("sh", "-c", "echo ready; read line; echo \"got $line\"; exit 4")) {
            // the first line arrives while the command waits for input: nothing is held until it ends
            await().atMost(WAIT).until(() -> out.toString(StandardCharsets.UTF_8).equals("ready\n"));
            watch.getInput().write("hello\n".getBytes(StandardCharsets.UTF_8));
            watch.getInput().flush();
            assertThat(watch.exitCode().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ready\ngot hello\n");
    }

    @Test
    void closingTheStreamEarlyKillsTheCommand() throws Exception {
        String pod = runningPod("exec-cat");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecWatch watch = container(pod).redirectingInput().writingOutput(out).exec("cat");
        watch.getInput().write("echoed back\n".getBytes(StandardCharsets.UTF_8));
        watch.getInput().flush();
        await().atMost(WAIT).until(() -> out.toString(StandardCharsets.UTF_8).equals("echoed back\n"));
        assertThat(cluster.runningExecs()).isEqualTo(1);

        // v4 has no end of input but the end of the stream: fabric8 closes it, cat goes with it
        watch.close();
        await().atMost(WAIT).until(() -> cluster.runningExecs() == 0);
        assertThat(watch.exitCode().get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("no status came before the close").isNull();
    }

    @Test
    void aV5ClientIsAnsweredInV5AndEndsStdinWithACloseFrame() throws Exception {
        String pod = runningPod("exec-v5");
        // offered after v4, as a client preferring v4 would: the API server still picks v5
        RawExec cat = RawExec.open(api, pod, "v4.channel.k8s.io, v5.channel.k8s.io", "stdin=true&stdout=true&stderr=true", "cat");
        cat.send(PodExec.STDIN, "line one\n".getBytes(StandardCharsets.UTF_8));
        cat.send(PodExec.STDIN, "line two\n".getBytes(StandardCharsets.UTF_8));
        cat.send(PodExec.CLOSE, new byte[]{PodExec.STDIN});

        assertThat(cat.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(cat.messages.get(0)).as("the kubelet's first, empty message on stdout").containsExactly(PodExec.STDOUT);
        assertThat(cat.text(PodExec.STDOUT)).isEqualTo("line one\nline two\n");
        assertThat(cat.text(PodExec.ERROR)).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        assertThat(cluster.runningExecs()).isZero();
    }

    @Test
    void execIntoAPodThatDoesNotExistFails() {
        // fabric8 reads the pod before it opens the stream
        assertThatThrownBy(() -> exec("no-such-pod", "ls")).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("no-such-pod").satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(404));
        assertThat(cluster.requests).noneMatch(r -> r.contains("/exec?"));

        // the exec endpoint answers the same before any upgrade (fabric8 keeps only the code of a refused upgrade)
        assertThatThrownBy(() -> RawExec.open(api, "no-such-pod", "v4.channel.k8s.io", "stdout=true", "ls"))
                .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> assertThat(e.getResponse().code()).isEqualTo(404));
    }

    @Test
    void execIntoAContainerThatDoesNotRunFailsAsTheKubeletSays() throws Exception {
        String pod = runningPod("exec-evicted");
        // no engine to replace the failed pod: it stays, its container gone
        engine.close();
        kubelet.evict(NS, pod);

        // v4: the kubelet's refusal passed on, before any upgrade
        assertThatThrownBy(() -> exec(pod, "ls")).isInstanceOf(KubernetesClientException.class).cause()
                .isInstanceOfSatisfying(WebSocketHandshakeException.class, e -> assertThat(e.getResponse().code()).isEqualTo(500));

        // v5: the API server has upgraded already and says it on the status channel
        RawExec ls = RawExec.open(api, pod, "v5.channel.k8s.io", "stdout=true", "ls");
        assertThat(ls.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(ls.text(PodExec.ERROR)).contains("\"reason\":\"InternalError\"")
                .contains("Internal error occurred: unable to upgrade connection: container not found (\\\"reference\\\")");
        assertThat(ls.text(PodExec.STDOUT)).isEmpty();
    }

    /** An exec stream opened with fabric8's HTTP client, message by message, for what its exec API does not do. */
    private static final class RawExec implements WebSocket.Listener {
        final List<byte[]> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private WebSocket ws;

        static RawExec open(io.fabric8.kubernetes.client.KubernetesClient api, String pod, String protocols, String streams,
                            String... command) throws Exception {
            StringBuilder url = new StringBuilder(api.getMasterUrl() + "api/v1/namespaces/" + NS + "/pods/" + pod + "/exec?container="
                    + CONTAINER + "&" + streams);
            for (String c : command) {
                url.append("&command=").append(URLEncoder.encode(c, StandardCharsets.UTF_8));
            }
            RawExec exec = new RawExec();
            try {
                exec.ws = api.getHttpClient().newWebSocketBuilder().subprotocol(protocols).uri(URI.create(url.toString()))
                        .buildAsync(exec).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
            return exec;
        }

        void send(int channel, byte[] payload) {
            ByteBuffer b = ByteBuffer.allocate(payload.length + 1).put((byte) channel).put(payload).flip();
            assertThat(ws.send(b)).isTrue();
        }

        /** All the payloads of {@code channel}, as text. */
        String text(int channel) {
            StringBuilder s = new StringBuilder();
            messages.stream().filter(m -> m.length > 0 && m[0] == channel)
                    .forEach(m -> s.append(new String(m, 1, m.length - 1, StandardCharsets.UTF_8)));
            return s.toString();
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
            byte[] m = new byte[bytes.remaining()];
            bytes.get(m);
            messages.add(m);
            webSocket.request();
        }

        @Override
        public void onClose(WebSocket webSocket, int code, String reason) {
            webSocket.sendClose(code, reason);
            closed.complete(code);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
