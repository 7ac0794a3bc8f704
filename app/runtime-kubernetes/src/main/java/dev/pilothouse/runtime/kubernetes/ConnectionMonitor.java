package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.ConnectionStatus.State;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Whether a context can be used: the API server answers (a cheap {@code GET /version} on a client
 * that neither retries nor waits long), the credentials are accepted, and every permission the
 * runtime uses is granted in the namespace (access reviews). Checked on connect, then on a
 * heartbeat; an informer that loses its watch asks for a check at once.
 */
final class ConnectionMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionMonitor.class);

    private final String context;
    private final KubernetesClient client;
    private final KubernetesClient probe;
    private final Supplier<String> namespace;
    private final Clock clock;
    private final Consumer<ConnectionStatus> onChange;
    private final ScheduledExecutorService timer;
    private final ExecutorService reviews;
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile ConnectionStatus current;
    private volatile ScheduledFuture<?> heartbeat;

    ConnectionMonitor(String context, KubernetesClient client, Supplier<String> namespace, KubernetesSettings st,
                      Clock clock, Consumer<ConnectionStatus> onChange) {
        this.context = context;
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.onChange = onChange;
        this.current = new ConnectionStatus(State.CHECKING, "not checked yet", List.of(), clock.instant());
        // a probe that fails fast: the main client's retries would hide an outage for minutes
        this.probe = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout((int) Math.min(st.connectTimeout().toMillis(), 5000))
                .withRequestTimeout((int) Math.min(st.requestTimeout().toMillis(), 10_000))
                .build()).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("k8s-heartbeat-" + context));
        this.reviews = Executors.newFixedThreadPool(4, daemon("k8s-access-review-" + context));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    ConnectionStatus current() {
        return current;
    }

    void startHeartbeat(java.time.Duration every) {
        heartbeat = timer.scheduleWithFixedDelay(this::beat, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Connected with every permission: only whether it still answers. Otherwise: the whole check again. */
    private void beat() {
        try {
            if (current.connected() && current.missing().isEmpty()) {
                ConnectionStatus reach = reachability();
                if (reach != null) {
                    set(reach);
                }
            } else {
                check();
            }
        } catch (RuntimeException e) {
            log.warn("connection check of context {} failed: {}", context, e.toString());
        }
    }

    /** An informer or a request failed in a way that may mean the server is gone: look now. */
    void suspect(Throwable t) {
        if (KubeErrors.unreachable(t) && current.connected()) {
            timer.execute(this::beat);
        }
    }

    /** The full check, now, on this thread. */
    ConnectionStatus check() {
        if (!checking.compareAndSet(false, true)) {
            return current;
        }
        try {
            ConnectionStatus reach = reachability();
            if (reach != null) {
                return set(reach);
            }
            String ns = namespace.get();
            List<String> missing;
            try {
                missing = AccessCheck.missing(client, ns, reviews);
            } catch (RuntimeException e) {
                return set(failure(e, "cannot review permissions"));
            }
            if (AccessCheck.blind(missing)) {
                return set(new ConnectionStatus(State.FORBIDDEN, "missing " + String.join(", ", missing) + " in namespace "
                        + ns + " (docs/kubernetes.md has the Role to grant)", missing, clock.instant()));
            }
            if (!missing.isEmpty()) {
                // sessions can be seen, adopted and read; only what uses these is refused
                return set(new ConnectionStatus(State.CONNECTED, "missing " + String.join(", ", missing) + " in namespace "
                        + ns + ": sessions are listed and adopted, but what needs these is refused (docs/kubernetes.md "
                        + "has the Role to grant)", missing, clock.instant()));
            }
            return set(ConnectionStatus.connected(clock.instant()));
        } finally {
            checking.set(false);
        }
    }

    /** Null when the API server answers; else why not. */
    private ConnectionStatus reachability() {
        try {
            probe.getKubernetesVersion();
            return null;
        } catch (RuntimeException first) {
            if (KubeErrors.code(first) > 0) {
                return failure(first, "GET /version failed");
            }
            // one lost request is not an outage: ask once more on a fresh connection before saying so
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
            try {
                probe.getKubernetesVersion();
                return null;
            } catch (RuntimeException e) {
                return failure(e, "GET /version failed");
            }
        }
    }

    private ConnectionStatus failure(RuntimeException e, String doing) {
        int code = KubeErrors.code(e);
        String server = client.getConfiguration().getMasterUrl();
        if (code == 401) {
            return new ConnectionStatus(State.UNAUTHORIZED, "the API server " + server
                    + " refused the credentials of context '" + context + "' (an expired token or certificate?)",
                    List.of(), clock.instant());
        }
        if (code == 403) {
            return new ConnectionStatus(State.FORBIDDEN, doing + ": " + KubeErrors.rootMessage(e), List.of(), clock.instant());
        }
        return new ConnectionStatus(State.UNREACHABLE, "cannot reach the API server " + server + " ("
                + (code <= 0 ? StreamCuts.connection(e) : "HTTP " + code + ": " + KubeErrors.rootMessage(e)) + ")",
                List.of(), clock.instant());
    }

    private ConnectionStatus set(ConnectionStatus next) {
        ConnectionStatus before = current;
        current = next;
        if (before.state() != next.state() || !Objects.equals(before.reason(), next.reason())) {
            log.info("context {}: {}", context, next.describe());
            onChange.accept(next);
        }
        return next;
    }

    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.cancel(true);
        }
        timer.shutdownNow();
        reviews.shutdownNow();
        probe.close();
    }
}
