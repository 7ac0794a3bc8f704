package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.OperationFailedException;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSIX shell scripts run in one container of a pod through {@code pods/exec}: {@code sh -c SCRIPT
 * sh ARGS...}, so paths travel as arguments and are never parsed by a shell. Input is pumped from
 * a stream whose length the script knows ({@code head -c N}): fabric8 speaks
 * {@code v4.channel.k8s.io}, which cannot end a command's input without ending the stream.
 */
final class PodShell {
    /** What a script gave back: its exit code and what it wrote to stderr, as it wrote it. */
    record Result(int code, String stderr) {
        /** After the last NUL on stderr: what a script's refusal is about. */
        String refusedPath() {
            int i = stderr.lastIndexOf('\0');
            return i < 0 ? null : stderr.substring(i + 1);
        }

        /** Stderr for a message: without the NUL-marked part. */
        String said() {
            int i = stderr.indexOf('\0');
            return (i < 0 ? stderr : stderr.substring(0, i)).strip();
        }
    }

    /** The command did not start in the container: its image has no {@code sh}, or the container is not running. */
    static final class CannotRun extends OperationFailedException {
        CannotRun(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final String context;
    private final String namespace;
    private final String pod;
    private final String container;
    private final long timeoutSeconds;

    PodShell(KubernetesClient client, String context, String namespace, String pod, String container, long timeoutSeconds) {
        this.client = client;
        this.context = context;
        this.namespace = namespace;
        this.pod = pod;
        this.container = container;
        this.timeoutSeconds = timeoutSeconds;
    }

    String pod() {
        return pod;
    }

    String container() {
        return container;
    }

    /** Runs {@code script} with {@code args} as $1...; {@code in} (or nothing) as its input, its output to {@code out}. */
    Result run(String script, List<String> args, InputStream in, OutputStream out) {
        List<String> command = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        command.addAll(args);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Status> status = new CompletableFuture<>();
        var resource = client.pods().inNamespace(namespace).withName(pod).inContainer(container);
        var streams = in == null ? resource : resource.readingInput(in);
        ExecListener listener = new ExecListener() {
            @Override
            public void onExit(int code, Status s) {
                status.complete(s);
            }

            @Override
            public void onFailure(Throwable t, Response failureResponse) {
                status.completeExceptionally(t);
            }

            @Override
            public void onClose(int code, String reason) {
                // the exit status came first, or the failure says why not
            }
        };
        try (ExecWatch watch = streams.writingOutput(out).writingError(err).usingListener(listener)
                .exec(command.toArray(String[]::new))) {
            Integer code = watch.exitCode().get(timeoutSeconds, TimeUnit.SECONDS);
            String stderr = err.toString(StandardCharsets.UTF_8);
            if (code == null || code < 0) {
                Status s = status.getNow(null);
                if (code != null && s != null && s.getMessage() != null) {
                    // the API server or the kubelet could not start it (no sh in the image, the container gone)
                    throw new CannotRun("could not run a command in container '" + container + "' of pod " + namespace
                            + "/" + pod + ": " + s.getMessage());
                }
                throw new OperationFailedException("could not run a command in container '" + container + "' of pod "
                        + namespace + "/" + pod + ": " + (s != null && s.getMessage() != null ? s.getMessage()
                        : "the exec stream ended without the command's exit status")
                        + (stderr.isBlank() ? "" : " (" + stderr.strip() + ")"));
            }
            return new Result(code, stderr);
        } catch (KubernetesClientException e) {
            throw KubeErrors.of(e, context, "create pods/exec", namespace);
        } catch (ExecutionException e) {
            throw new OperationFailedException("the exec into pod " + namespace + "/" + pod + " failed: "
                    + KubeErrors.rootMessage(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new OperationFailedException("a command in pod " + namespace + "/" + pod + " did not end within "
                    + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationFailedException("interrupted while a command ran in pod " + namespace + "/" + pod);
        }
    }
}
