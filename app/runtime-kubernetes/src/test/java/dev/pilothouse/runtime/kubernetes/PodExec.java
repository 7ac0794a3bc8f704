package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code pods/exec} stream of the fake cluster: the command runs as a real process on this
 * machine, in the container's volume directory, piped to the websocket with the API server's
 * framing, every message {@code [channel][payload]}: 0 stdin, 1 stdout, 2 stderr, 3 the
 * command's end as a {@code Status}, 4 terminal resize; with {@code v5.channel.k8s.io} also
 * {@code [255][channel]}, the client closing that channel (for 0: end of input).
 */
final class PodExec {
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int CLOSE = 255;

    /**
     * Well below the server's frame size, so each message is one frame: stdout and stderr are
     * written from two threads, and a message split into frames could interleave with the other.
     */
    private static final int CHUNK = 32 * 1024;
    /** Characters around a path inside an argument (a shell script's words, {@code --dir=/x}). */
    private static final String PATH_EDGE = "\\s'\"=:;|&<>()`";

    private final ServerWebSocket ws;
    private final Context context;
    private final boolean v5;
    private final Executor threads;
    private volatile Process process;

    private PodExec(ServerWebSocket ws, Context context, boolean v5, Executor threads) {
        this.ws = ws;
        this.context = context;
        this.v5 = v5;
        this.threads = threads;
    }

    /**
     * Runs {@code command} in {@code container} for the client on {@code ws}, just upgraded (called
     * on its event loop); the stream ends with the exit status. Returns the process, or null when
     * it could not start (the client was told).
     */
    static Process start(ServerWebSocket ws, boolean v5, FakeCluster.RunningContainer container, List<String> command,
                         boolean stdin, boolean stdout, boolean stderr, Executor threads) {
        PodExec exec = new PodExec(ws, Vertx.currentContext(), v5, threads);
        ws.exceptionHandler(t -> exec.kill());
        // as the kubelet does: an empty message on the first output channel says the streams are set up
        ws.writeBinaryMessage(FakeCluster.frame(stdout ? STDOUT : stderr ? STDERR : ERROR, Buffer.buffer()));
        String missing = notOnPath(container, command.get(0));
        if (missing != null) {
            // as containerd says it when the image lacks the command
            exec.end(internalError("error executing command in container: failed to exec in container: failed to start "
                    + "exec: OCI runtime exec failed: exec failed: unable to start container process: exec: \"" + missing
                    + "\": executable file not found in $PATH: unknown"));
            return null;
        }
        ProcessBuilder b = ContainerProcess.withPodEnvironment(new ProcessBuilder(inVolume(container, command))
                .directory(container.volume().toFile()), container.env());
        if (!stdout) {
            b.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (!stderr) {
            b.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        try {
            exec.process = b.start();
        } catch (IOException e) {
            exec.end(internalError("error executing command in container: " + e.getMessage()));
            return null;
        }
        Process p = exec.process;
        if (!stdin) {
            exec.closeStdin();
        }
        // the client left before the command ended: the command goes too
        ws.closeHandler(v -> exec.kill());
        ws.binaryMessageHandler(exec::fromClient);
        CompletableFuture<Void> out = stdout ? exec.pump(p.getInputStream(), STDOUT) : CompletableFuture.completedFuture(null);
        CompletableFuture<Void> err = stderr ? exec.pump(p.getErrorStream(), STDERR) : CompletableFuture.completedFuture(null);
        // the status goes last, after everything the command wrote
        CompletableFuture.allOf(out, err).thenRunAsync(() -> exec.end(exitStatus(command, p.onExit().join().exitValue())), threads);
        return p;
    }

    /**
     * The command when the container's own PATH (an image's, when the kubelet fixture gives one)
     * has no such executable; null when it runs. Without a PATH of its own, this machine's.
     */
    static String notOnPath(FakeCluster.RunningContainer container, String command) {
        String path = container.env().get("PATH");
        if (path == null || command.contains("/")) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command))) {
                return null;
            }
        }
        return command;
    }

    /**
     * The command as the container would run it: its mount path in any argument (a path of its
     * own or one inside a shell script) is the volume's directory here.
     */
    static List<String> inVolume(FakeCluster.RunningContainer container, List<String> command) {
        Pattern mount = Pattern.compile("(?<![^" + PATH_EDGE + "])" + Pattern.quote(container.mountPath())
                + "(?=$|/|[" + PATH_EDGE + "])");
        String dir = Matcher.quoteReplacement(container.volume().toString());
        return command.stream().map(a -> mount.matcher(a).replaceAll(dir)).toList();
    }

    private void fromClient(Buffer message) {
        if (message.length() == 0) {
            return;
        }
        int channel = message.getUnsignedByte(0);
        if (channel == STDIN && message.length() > 1) {
            toStdin(message.getBytes(1, message.length()));
        } else if (v5 && channel == CLOSE && message.length() == 2 && message.getUnsignedByte(1) == STDIN) {
            toStdin(null);
        }
        // resize (4) means nothing without a terminal
    }

    /**
     * Writes to the command's input ({@code null}: closes it) off the event loop, which a full
     * pipe would block; the stream pauses meanwhile, so writes and the close keep their order.
     */
    private void toStdin(byte[] bytes) {
        ws.pause();
        threads.execute(() -> {
            if (bytes == null) {
                closeStdin();
            } else {
                try {
                    OutputStream in = process.getOutputStream();
                    in.write(bytes);
                    in.flush();
                } catch (IOException e) {
                    // the command exited or closed its input: what it did not read is lost, as in a container
                }
            }
            context.runOnContext(v -> ws.resume());
        });
    }

    private void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone with the command
        }
    }

    /** Copies one of the command's outputs to the client as it comes, one message in flight at a time. */
    private CompletableFuture<Void> pump(InputStream from, int channel) {
        return CompletableFuture.runAsync(() -> {
            byte[] buf = new byte[CHUNK];
            try (from) {
                for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
                    if (n > 0) {
                        // waiting for the write to go out holds the command back on a slow client, as a full pipe does
                        ws.writeBinaryMessage(FakeCluster.frame(channel, Buffer.buffer().appendBytes(buf, 0, n)))
                                .toCompletionStage().toCompletableFuture().join();
                    }
                }
            } catch (IOException | CompletionException e) {
                // the client is gone (or the command, killed meanwhile)
                kill();
            }
        }, threads);
    }

    /** The command's end on the status channel, then the stream closes, as the kubelet's does. */
    private void end(ObjectNode status) {
        context.runOnContext(v -> {
            if (!ws.isClosed()) {
                ws.writeBinaryMessage(FakeCluster.frame(ERROR, Buffer.buffer(Json.compact(status))));
                ws.close((short) 1000);
            }
        });
    }

    private void kill() {
        Process p = process;
        if (p != null) {
            kill(p);
        }
    }

    /** SIGKILL to a command and whatever it started (a shell's pipeline). */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** What the kubelet writes when the command ended: Success, or the exit code as fabric8 and kubectl read it. */
    static ObjectNode exitStatus(List<String> command, int code) {
        ObjectNode s = Json.object();
        s.putObject("metadata");
        if (code == 0) {
            return s.put("status", "Success");
        }
        // the message as containerd words it, the command printed as Go prints a []string
        s.put("status", "Failure").put("message", "command terminated with non-zero exit code: error executing command ["
                + String.join(" ", command) + "], exit code " + code).put("reason", "NonZeroExitCode");
        s.putObject("details").putArray("causes").addObject().put("reason", "ExitCode").put("message", Integer.toString(code));
        return s;
    }

    /** An InternalError Status as the API server encodes it on the status channel (no kind, no apiVersion). */
    static ObjectNode internalError(String cause) {
        ObjectNode s = Json.object();
        s.putObject("metadata");
        s.put("status", "Failure").put("message", "Internal error occurred: " + cause).put("reason", "InternalError");
        s.putObject("details").putArray("causes").addObject().put("message", cause);
        return s.put("code", 500);
    }
}
