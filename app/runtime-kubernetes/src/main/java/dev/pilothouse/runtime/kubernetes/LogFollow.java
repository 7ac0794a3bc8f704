package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogSubscription;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.Loggable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Follows an agent's log the way an operator expects {@code logs -f} to: a Kubernetes follow
 * stream ends whenever its container does, so when it ends this finds out why (from the pod as the
 * informer sees it), says so in a marker line, and carries on with what comes next: the restarted
 * container, the session's next pod (resume, retry), or a reconnect from the last line seen when
 * the stream was only cut. It ends when closed.
 */
final class LogFollow implements LogSubscription {
    private static final Logger log = LoggerFactory.getLogger(LogFollow.class);
    /** Marker lines start so: they are Pilothouse's words, not the agent's. */
    static final String MARK = "--- ";
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** How long the end of a stream waits for the pod's status to explain it. */
    private static final long EXPLAIN_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final KubernetesClient client;
    private final NamespaceInformers cache;
    private final String namespace;
    private final String pod;
    private final String container;
    private final Consumer<List<LogLine>> sink;
    private final int firstTail;
    private final Thread thread;
    private volatile boolean closed;
    private volatile LogWatch watch;
    private volatile PodLogs.LineSplitter splitter;
    /** The time of the last line delivered: a reconnect asks from there and drops what it saw. */
    private volatile Instant lastTime;
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    /** Completes when the stream open now has ended and its lines were delivered; null before the first. */
    private volatile CompletableFuture<Void> streaming;

    LogFollow(KubernetesClient client, NamespaceInformers cache, String pod, String container, int tail,
              Consumer<List<LogLine>> sink) {
        this.client = client;
        this.cache = cache;
        this.namespace = cache.namespace;
        this.pod = pod;
        this.container = container;
        this.firstTail = tail;
        this.sink = sink;
        this.thread = new Thread(this::run, "k8s-log-follow-" + THREADS.incrementAndGet() + "-" + pod + "/" + container);
        this.thread.setDaemon(true);
    }

    LogFollow start() {
        thread.start();
        return this;
    }

    private void mark(String text) {
        if (!closed) {
            sink.accept(List.of(new LogLine(Instant.now(), MARK + text + " ---")));
        }
    }

    @Override
    public java.util.concurrent.CompletionStage<String> ended() {
        return ended;
    }

    private void run() {
        String uid = null;
        int interruptions = 0;
        int restarts = -1;
        boolean first = true;
        boolean resume = false;
        String waitingSaid = null;
        boolean goneSaid = false;
        boolean runDone = false;
        while (!closed) {
            Pod p = cache.pod(pod);
            if (p == null || p.getMetadata().getDeletionTimestamp() != null) {
                if (!goneSaid && uid != null) {
                    mark("pod " + namespace + "/" + pod + " was deleted (paused, stopped, deleted, or replaced as its agents "
                            + "changed): its log ended; waiting for the session's next pod");
                }
                goneSaid = true;
                LockSupport.parkNanos(POLL_NANOS * 4);
                continue;
            }
            if (!uidSaidMissing(p) && !hasContainer(p)) {
                // an agent-set change removed this agent: its log has no next run in this pod
                mark("agent '" + container + "' is not in the session's pod " + namespace + "/" + pod + " (uid "
                        + p.getMetadata().getUid() + "): it was removed from the session");
                missingIn = p.getMetadata().getUid();
            }
            if (!hasContainer(p)) {
                uid = p.getMetadata().getUid();
                goneSaid = true;
                LockSupport.parkNanos(POLL_NANOS * 4);
                continue;
            }
            ContainerStatus cs = status(p);
            boolean started = cs != null && cs.getState() != null
                    && (cs.getState().getRunning() != null || cs.getState().getTerminated() != null);
            boolean newPod = !Objects.equals(uid, p.getMetadata().getUid());
            int count = cs == null || cs.getRestartCount() == null ? 0 : cs.getRestartCount();
            if (!started) {
                String why = cs == null || cs.getState() == null || cs.getState().getWaiting() == null ? "ContainerCreating"
                        : PodStates.reason(cs.getState().getWaiting().getReason(), cs.getState().getWaiting().getMessage());
                if (!why.equals(waitingSaid)) {
                    mark("container '" + container + "' is waiting to start: " + why);
                }
                waitingSaid = why;
                LockSupport.parkNanos(POLL_NANOS * 2);
                continue;
            }
            waitingSaid = null;
            if (!newPod && count == restarts && runDone) {
                // the run whose stream ended still shows (terminated, about to be restarted): wait for the next
                LockSupport.parkNanos(POLL_NANOS);
                continue;
            }
            runDone = false;
            if (newPod && uid != null || newPod && goneSaid) {
                mark("following the session's new pod " + namespace + "/" + pod + " (uid " + p.getMetadata().getUid() + ")");
                resume = false;
                lastTime = null;
            } else if (!newPod && count != restarts) {
                var last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
                mark("container '" + container + "' was restarted by the kubelet (restart " + count + ")"
                        + (last == null ? "" : " after it exited (" + PodStates.termination(last) + ")")
                        + "; following the new container");
                resume = false;
                lastTime = null;
            }
            goneSaid = false;
            uid = p.getMetadata().getUid();
            restarts = count;
            Throwable failure = follow(first ? firstTail : resume ? -2 : -1);
            first = false;
            if (closed) {
                break;
            }
            // why did it end? the container exited (and maybe restarts), the pod went, or the stream was cut
            if (failure instanceof io.fabric8.kubernetes.client.KubernetesClientException k
                    && (k.getCode() == 401 || k.getCode() == 403 || k.getCode() == 404)) {
                String why = "cannot follow the log of container '" + container + "': " + KubeErrors.rootMessage(k);
                mark(why);
                ended.complete(why);
                return;
            }
            String why = explain(uid, restarts);
            if (why == null) {
                mark("log stream interrupted (" + StreamCuts.why(failure) + "); reconnecting");
                resume = true;
                // 0.2 s, doubling up to 5 s while it keeps failing
                LockSupport.parkNanos(Math.min(TimeUnit.SECONDS.toNanos(5), POLL_NANOS * 4 << Math.min(interruptions, 5)));
                interruptions++;
                continue;
            }
            interruptions = 0;
            runDone = true;
            if (!why.isEmpty()) {
                mark(why);
                // an exited container that is not restarted: nothing more comes until something changes
                waitForChange(uid, restarts);
            }
        }
    }

    /**
     * Streams the current container's log until the stream ends; returns its failure, if any.
     *
     * @param tail lines to start with: -1 all, -2 a reconnect from the last line seen
     */
    private Throwable follow(int tail) {
        CompletableFuture<Void> stream = new CompletableFuture<>();
        streaming = stream;
        try {
            return stream(tail);
        } finally {
            stream.complete(null);
        }
    }

    private Throwable stream(int tail) {
        Instant since = lastTime;
        PodLogs.LineSplitter out = new PodLogs.LineSplitter(lines -> {
            List<LogLine> fresh = since == null || tail != -2 ? lines
                    : lines.stream().filter(l -> l.time() == null || l.time().isAfter(since)).toList();
            if (!fresh.isEmpty() && !closed) {
                fresh.stream().map(LogLine::time).filter(Objects::nonNull).reduce((a, b) -> b).ifPresent(t -> lastTime = t);
                sink.accept(fresh);
            }
        });
        splitter = out;
        try {
            var c = client.pods().inNamespace(namespace).withName(pod).inContainer(container).withReadyWaitTimeout(0);
            Loggable l = tail == -2 && since != null ? c.usingTimestamps().sinceTime(since.toString())
                    : tail >= 0 ? c.usingTimestamps().tailingLines(tail) : c.usingTimestamps();
            LogWatch w = l.watchLog(out);
            watch = w;
            if (closed) {
                w.close();
                return null;
            }
            CompletableFuture<Throwable> done = w.onClose().toCompletableFuture();
            while (!closed) {
                try {
                    Throwable t = done.get(200, TimeUnit.MILLISECONDS);
                    out.flushRest();
                    return t;
                } catch (java.util.concurrent.TimeoutException e) {
                    // still streaming
                } catch (java.util.concurrent.ExecutionException e) {
                    out.flushRest();
                    return e.getCause();
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return e;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /**
     * Why the stream of the container (pod {@code uid}, {@code restarts}) ended, from the pod as
     * the informer sees it within a few seconds: "" when the pod went or the container restarted
     * (the loop says so as it follows what comes next), a sentence when the container exited for
     * good, null when nothing explains it (the stream was cut).
     */
    private String explain(String uid, int restarts) {
        long deadline = System.nanoTime() + EXPLAIN_NANOS;
        while (!closed && System.nanoTime() < deadline) {
            Pod p = cache.pod(pod);
            if (p == null || !p.getMetadata().getUid().equals(uid) || p.getMetadata().getDeletionTimestamp() != null) {
                return "";
            }
            ContainerStatus cs = status(p);
            int count = cs == null || cs.getRestartCount() == null ? 0 : cs.getRestartCount();
            if (count != restarts) {
                return "";
            }
            var t = cs == null || cs.getState() == null ? null : cs.getState().getTerminated();
            if (t != null) {
                return PodStates.restarts(p, t) ? "" : "log ended: container '" + container + "' exited ("
                        + PodStates.termination(t) + ") and is not restarted";
            }
            if (cs != null && cs.getState() != null && cs.getState().getWaiting() != null) {
                return "";
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return null;
    }

    /** Waits until the pod or the container's run changes (or this is closed). */
    private void waitForChange(String uid, int restarts) {
        while (!closed) {
            Pod p = cache.pod(pod);
            ContainerStatus cs = p == null ? null : status(p);
            int count = cs == null || cs.getRestartCount() == null ? 0 : cs.getRestartCount();
            if (p == null || !p.getMetadata().getUid().equals(uid) || count != restarts) {
                return;
            }
            LockSupport.parkNanos(POLL_NANOS * 4);
        }
    }

    /** The pod uid in which this container was found missing (and said so), else null. */
    private String missingIn;

    private boolean uidSaidMissing(Pod p) {
        return Objects.equals(missingIn, p.getMetadata().getUid());
    }

    private boolean hasContainer(Pod p) {
        return p.getSpec() == null || p.getSpec().getContainers().stream().anyMatch(c -> container.equals(c.getName()));
    }

    private ContainerStatus status(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals(container)).findFirst().orElse(null);
    }

    /**
     * Waits until the stream open now ends (its container exited, its pod went) with its last
     * lines delivered, or {@code max} passes: the session's state can change (the pod status the
     * engine acts on) before the stream has carried the container's last chunk.
     */
    @Override
    public void drain(java.time.Duration max) throws InterruptedException {
        CompletableFuture<Void> s = streaming;
        if (s == null || Thread.currentThread() == thread) {
            return;
        }
        try {
            s.get(max.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // bounded on purpose: a stream that goes on (a container still stopping) is not waited for
        }
    }

    @Override
    public void close() {
        closed = true;
        LogWatch w = watch;
        if (w != null) {
            w.close();
        }
        PodLogs.LineSplitter s = splitter;
        if (s != null) {
            s.flushRest();
        }
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.debug("stopped following {}/{}/{}", namespace, pod, container);
    }
}
