package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.PortForward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A loopback port whose every connection is one port-forward stream through the API server
 * (fabric8's {@code pods/portforward} websocket, as {@code kubectl port-forward} opens them).
 *
 * <p>It heals: a stream is opened per connection, so a stream the API server closed (an idle
 * timeout, a restart, a dropped network) costs only the connection that used it, and the next
 * request gets a new one. A stream that fails before it opens (the HTTP client picked a pooled
 * connection to the API server that died meanwhile) is tried again before the connection sees
 * anything, so the request does not notice. When a stream that carried a request ends, why is kept
 * ({@link #lastLoss}): the connection's owner learns it from the runtime.
 *
 * <p>Opening is bounded ({@link #OPEN_DEADLINE}): in an outage the connection fails within seconds,
 * saying the context is unreachable as the connection check says it, rather than waiting out retries
 * and ending in a bare "Connection reset".
 */
final class PodPortForward implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodPortForward.class);
    /** Attempts at opening a stream for one connection before it is given up. */
    private static final int OPEN_ATTEMPTS = 3;
    /** How long a connection waits for its stream to open, all attempts together. */
    static final java.time.Duration OPEN_DEADLINE = java.time.Duration.ofSeconds(10); // a hung upgrade; an exec credential plugin may run first
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final KubernetesClient client;
    private final String context;
    private final java.util.function.Consumer<Throwable> unreachable;
    private final String namespace;
    private final String pod;
    private final int port;
    private final ServerSocketChannel server;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile boolean retired;
    private volatile Loss lastLoss;
    private final AtomicInteger losses = new AtomicInteger();

    /** A stream that ended under a connection that was using it, and why. */
    record Loss(Instant at, String why, boolean unreachable) {
    }

    PodPortForward(KubernetesClient client, String context, String namespace, String pod, int port,
                   java.util.function.Consumer<Throwable> unreachable) {
        this.client = client;
        this.context = context;
        this.unreachable = unreachable;
        this.namespace = namespace;
        this.pod = pod;
        this.port = port;
        try {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a local port to forward to pod " + namespace + "/" + pod, e);
        }
        Thread accept = new Thread(this::accept, "k8s-forward-" + THREADS.incrementAndGet() + "-" + pod + ":" + port);
        accept.setDaemon(true);
        accept.start();
    }

    /** Connections to {@code 127.0.0.1:localPort()} reach the pod's port. */
    int localPort() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("the local port of the forward to " + namespace + "/" + pod + " is closed", e);
        }
    }

    boolean alive() {
        return !closed && server.isOpen();
    }

    /** The last stream that ended while a connection used it, or null. */
    Loss lastLoss() {
        return lastLoss;
    }

    /**
     * How many streams ended under connections that still wanted them. An HTTP client keeps idle
     * connections for reuse and would pick such a dead one for its next request: after a loss the
     * runtime hands out a new forward (a new local port), and {@link #retire retires} this one.
     */
    int losses() {
        return losses.get();
    }

    /** Takes no new connections; the ones open finish, then it closes. */
    void retire() {
        retired = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed either way
        }
        if (open.isEmpty()) {
            close();
        }
    }

    /** Connections open now. */
    int connections() {
        return open.size();
    }

    private void accept() {
        while (!closed && !retired) {
            try {
                SocketChannel s = server.accept();
                s.socket().setTcpNoDelay(true);
                Connection c = new Connection(s);
                open.add(c);
                c.attempt();
            } catch (IOException e) {
                if (!closed && !retired) {
                    log.warn("forward to {}/{}:{} stopped accepting connections: {}", namespace, pod, port, e.toString());
                    close();
                }
            }
        }
    }

    /**
     * No HTTP answer in {@code t}'s chain (refused, reset, timed out); a handshake the API server
     * answered (a 403, a 404 for a pod gone) is an answer.
     */
    static boolean unanswered(Throwable t) {
        boolean io = false;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof io.fabric8.kubernetes.client.http.WebSocketHandshakeException
                    || c instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() > 0) {
                return false;
            }
            io |= c instanceof IOException || c instanceof java.util.concurrent.TimeoutException;
        }
        return io;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closed either way
        }
        open.forEach(Connection::close);
        open.clear();
    }

    /** One local connection and the stream that carries it. */
    private final class Connection {
        private final SocketChannel socket;
        private final AtomicInteger attempts = new AtomicInteger();
        private final long deadline = System.nanoTime() + OPEN_DEADLINE.toNanos();
        private volatile Attempt current;
        private volatile boolean done;

        Connection(SocketChannel socket) {
            this.socket = socket;
        }

        void attempt() {
            if (done || closed) {
                close();
                return;
            }
            Attempt s = new Attempt(this);
            current = s;
            attempts.incrementAndGet();
            // fabric8 gives up on a connect only after its own timeout; a hung upgrade never: bound it here
            long left = Math.max(0, deadline - System.nanoTime());
            CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS).execute(() -> {
                if (!s.used && !s.ended && s == current && !done) {
                    s.late = true;
                    s.close();
                }
            });
            try {
                s.handle = client.pods().inNamespace(namespace).withName(pod).portForward(port, s, s);
            } catch (RuntimeException e) {
                s.failure = e;
                ended(s);
            }
        }

        /** A stream ended: retried if it never carried anything, else the connection ends with it. */
        void ended(Attempt s) {
            if (s != current || done) {
                return;
            }
            if (!s.used && !s.clientClosed && !s.late && attempts.get() < OPEN_ATTEMPTS && !closed
                    && System.nanoTime() < deadline) {
                log.debug("forward to {}/{}:{}: stream failed to open ({}), trying again", namespace, pod, port, s.why());
                CompletableFuture.delayedExecutor(attempts.get() == 1 ? 0 : 100, TimeUnit.MILLISECONDS).execute(this::attempt);
                return;
            }
            if (!s.clientClosed && !closed) {
                String why = s.why();
                Throwable noAnswer = s.noAnswer();
                if (noAnswer != null) {
                    unreachable.accept(noAnswer);
                }
                lastLoss = new Loss(Instant.now(), why, noAnswer != null);
                losses.incrementAndGet();
                log.info("forward to {}/{}:{}: {}", namespace, pod, port, why);
            }
            close();
        }

        void close() {
            done = true;
            open.remove(this);
            if (retired && open.isEmpty()) {
                PodPortForward.this.close();
            }
            Attempt s = current;
            if (s != null && s.handle != null) {
                try {
                    s.handle.close();
                } catch (IOException e) {
                    // gone either way
                }
            }
            try {
                socket.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }

    /**
     * The channel fabric8 reads the connection's bytes from and writes the pod's bytes to. It
     * keeps the socket open when fabric8 closes it (a stream that never opened is tried again on
     * the same socket), and notes whether the stream carried anything.
     */
    private final class Attempt implements ByteChannel {
        private final Connection connection;
        volatile PortForward handle;
        volatile RuntimeException failure;
        /** fabric8 started pumping: the websocket opened. */
        volatile boolean used;
        volatile boolean clientClosed;
        /** It did not open within the connection's deadline and was given up. */
        volatile boolean late;
        private volatile boolean ended;

        Attempt(Connection connection) {
            this.connection = connection;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (ended) {
                return -1;
            }
            used = true;
            int n = connection.socket.read(dst);
            if (n < 0 && !ended) {
                // the client is done with the connection: end the stream too (fabric8 would leave it open)
                clientClosed = true;
                PortForward h = handle;
                if (h != null) {
                    h.close();
                }
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (ended) {
                throw new ClosedChannelException();
            }
            used = true;
            return connection.socket.write(src);
        }

        @Override
        public boolean isOpen() {
            return !ended;
        }

        @Override
        public void close() {
            if (ended) {
                return;
            }
            ended = true;
            // fabric8 may still be setting the handle up when an early failure closes the stream
            CompletableFuture.runAsync(() -> connection.ended(this));
        }

        /** What says the API server did not answer at all (refused, reset, timed out), or null: it answered. */
        Throwable noAnswer() {
            if (used) {
                return null;
            }
            if (late) {
                return new java.util.concurrent.TimeoutException("no port-forward stream within " + OPEN_DEADLINE.toSeconds() + " s");
            }
            PortForward h = handle;
            Stream<Throwable> all = Stream.concat(Stream.ofNullable(failure), h == null ? Stream.empty()
                    : Stream.concat(h.getClientThrowables().stream(), h.getServerThrowables().stream()));
            return all.filter(PodPortForward::unanswered).findFirst().orElse(null);
        }

        String why() {
            Throwable noAnswer = noAnswer();
            if (noAnswer != null) {
                // worded as the connection check words it: the operator sees one kind of outage, not two
                return "context '" + context + "' is unreachable: cannot reach the API server "
                        + client.getConfiguration().getMasterUrl() + " to open the port-forward to pod " + namespace + "/"
                        + pod + ":" + port + " (" + (late ? noAnswer.getMessage() : StreamCuts.connection(noAnswer)) + ")";
            }
            if (failure != null) {
                return "the port-forward to pod " + namespace + "/" + pod + ":" + port + " could not be opened: "
                        + KubeErrors.rootMessage(failure);
            }
            PortForward h = handle;
            Collection<Throwable> server = h == null ? java.util.List.of() : h.getServerThrowables();
            Collection<Throwable> local = h == null ? java.util.List.of() : h.getClientThrowables();
            String problems = Stream.concat(server.stream(), local.stream())
                    .map(t -> t.getMessage() == null ? t.toString() : t.getMessage())
                    .collect(Collectors.joining("; "));
            if (!used) {
                return "the port-forward to pod " + namespace + "/" + pod + ":" + port + " could not be opened"
                        + (problems.isEmpty() ? "" : ": " + problems);
            }
            return "the API server ended the port-forward stream to pod " + namespace + "/" + pod + ":" + port
                    + (problems.isEmpty() ? " (the websocket was closed)" : ": " + problems);
        }
    }
}
