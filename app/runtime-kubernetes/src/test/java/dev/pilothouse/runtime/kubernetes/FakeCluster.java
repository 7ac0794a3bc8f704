package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PfxOptions;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in API server that speaks the wire protocols the product uses. Objects are kept by the
 * fabric8 mock's CRUD dispatcher (create, get, update, patch, delete, watches over websockets);
 * the HTTP server in front of it is this class's own (Vert.x, as the mock's), because the mock
 * answers every request with one fixed body and a follow stream has to be written as it grows.
 * Served here besides CRUD:
 * <ul>
 *   <li>{@code pods/portforward} as a websocket with the kubelet's framing (subprotocol
 *   {@code v4.channel.k8s.io}; for port i data channel 2i and error channel 2i+1; the first frame
 *   on each channel is the port, 2 bytes little-endian), piped to whatever listens on the pod's
 *   port: the kubelet fixture's agent processes;</li>
 *   <li>{@code pods/exec} as a websocket with the API server's framing ({@code v5.channel.k8s.io}
 *   when offered, else {@code v4.channel.k8s.io}; 0 stdin, 1 stdout, 2 stderr, 3 the exit
 *   {@code Status}, v5's {@code [255][0]} closing stdin): the command runs as a real process on
 *   the container's volume directory, its mount path in the arguments mapped there, while the
 *   kubelet fixture runs the container ({@link PodExec});</li>
 *   <li>{@code pods/log} from the kubelet fixture's container logs: {@code tailLines},
 *   {@code timestamps} (RFC 3339 with nanoseconds, as the kubelet writes them), {@code sinceTime}, {@code previous},
 *   and {@code follow=true} as a chunked stream written as lines arrive, lines split across
 *   chunks, ending when the container exits;</li>
 *   <li>SelfSubjectAccessReviews (everything allowed unless {@link #deny denied});</li>
 *   <li>injected failures (5xx, 403, 410 Gone on a watch), and a TCP proxy in front that can
 *   drop every connection, as an unreachable API server does.</li>
 * </ul>
 */
public final class FakeCluster implements AutoCloseable {
    /** The mock's classes log every request through java.util.logging: keep the build output readable. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    /** -Dfake.trace=1 (through argLine) prints every request with its time, to debug a test. */
    private static final boolean TRACE = System.getProperty("fake.trace") != null;

    private static final Pattern POD_SUB = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/(log|portforward|exec)");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    static {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    /** Where a pod's port is served on this machine: the kubelet fixture says. */
    interface PodNetwork {
        /** The loopback port standing for {@code port} in the pod, or null when nothing there can listen. */
        Integer hostPort(String namespace, String pod, int port);
    }

    /** What runs in the pods' containers: the kubelet fixture says. */
    interface PodContainers {
        /** The container while it runs, or null when it does not (not started, exited, evicted). */
        RunningContainer running(String namespace, String pod, String container);
    }

    /**
     * A running container as an exec into it sees it: where its volume is mounted, the directory
     * standing for the volume here, its environment (paths already mapped).
     */
    record RunningContainer(String mountPath, java.nio.file.Path volume, Map<String, String> env) {
    }

    private static final String V4 = "v4.channel.k8s.io";
    private static final String V5 = "v5.channel.k8s.io";

    private final Crud crud = new Crud();
    private final Vertx vertx;
    private final HttpServer http;
    private final NetClient net;
    private final int port;
    private final LocalhostCertificate certificate;
    final TcpProxy proxy;

    /** Permissions refused, as AccessCheck describes them ("create pods/portforward"). */
    final Set<String> denied = ConcurrentHashMap.newKeySet();
    /** The containers' logs, which the kubelet fixture writes. */
    final ContainerLogs logs = new ContainerLogs();
    /** Every request that reached the server: "METHOD path?query". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** The Authorization headers seen. */
    final Set<String> authorizations = ConcurrentHashMap.newKeySet();
    /** Port-forward streams open now. */
    private final Set<ServerWebSocket> forwards = ConcurrentHashMap.newKeySet();
    /** Listings being paged, by id; the oldest are dropped (their tokens expire) beyond a few. */
    private final Map<String, Listing> listings = java.util.Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Listing> eldest) {
            return size() > 32;
        }
    });
    /** Pages of paginated lists served so far. */
    final AtomicInteger pagesServed = new AtomicInteger();
    /** Port-forward websockets opened so far. */
    final AtomicInteger forwardsOpened = new AtomicInteger();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    volatile PodNetwork network = (ns, pod, p) -> null;
    volatile PodContainers containers = (ns, pod, c) -> null;
    /** Commands run by pods/exec, each dropped once it has exited. */
    private final Set<Process> execs = ConcurrentHashMap.newKeySet();
    /** The exec streams' blocking side: process pipes. */
    private final ExecutorService execThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-cluster-exec");
        t.setDaemon(true);
        return t;
    });

    private record Fault(String method, String pathPrefix, boolean watchOnly, AtomicInteger left,
                         Function<RecordedRequest, MockResponse> response) {
    }

    public FakeCluster() {
        this(false);
    }

    /**
     * With {@code tls}, served over HTTPS as an API server is, with a self-signed certificate for
     * {@code localhost} ({@link #caCertificate()}): what a client configured in a pod has to trust.
     */
    public FakeCluster(boolean tls) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(8)
                .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setWebSocketSubProtocols(List.of(V4, V5, "v3.channel.k8s.io",
                        "v2.channel.k8s.io", "v1.channel.k8s.io"))
                .setMaxWebSocketFrameSize(1 << 20).setMaxWebSocketMessageSize(4 << 20);
        certificate = tls ? LocalhostCertificate.create() : null;
        if (tls) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions().setPath(certificate.keystore().toString())
                    .setPassword(LocalhostCertificate.PASSWORD));
        }
        http = vertx.createHttpServer(options);
        http.requestHandler(this::handle);
        net = vertx.createNetClient();
        try {
            http.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("the fake API server did not start", e);
        }
        port = http.actualPort();
        proxy = new TcpProxy("127.0.0.1", port);
    }

    /**
     * The mock's CRUD store. Its create checks the new name against every stored object (a scan:
     * populating 40,000 objects took ~580 s), which {@link #createNew} lets a benchmark skip.
     */
    private static final class Crud extends io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher {
        private volatile boolean allNew;

        @Override
        public Map.Entry<io.fabric8.mockwebserver.crud.AttributeSet, String> findResource(
                io.fabric8.mockwebserver.crud.AttributeSet attributes) {
            return allNew ? null : super.findResource(attributes);
        }

        /**
         * What the mock's GET of a list ({@code path} with its query) would hold, as a listing to
         * page, or null when it is no list of more than {@code limit} objects: the same objects,
         * read from its store under its lock, without composing the whole list and reading it back.
         */
        Listing listing(String path, long limit) {
            io.fabric8.mockwebserver.crud.AttributeSet query = attributeExtractor.fromPath(path);
            if (query.containsKey("name")) {
                return null;
            }
            List<Listing.Item> items = new ArrayList<>();
            long version = readLocked(() -> {
                map.forEach((key, json) -> {
                    if (key.matches(query)) {
                        items.add(new Listing.Item(value(key, "namespace") + "/" + value(key, "name"), json));
                    }
                });
                return MockInternals.resourceVersion(this);
            });
            if (items.size() <= limit) {
                return null;
            }
            items.sort(java.util.Comparator.comparing(Listing.Item::key));
            ObjectNode head = Json.object().put("apiVersion", "v1").put("kind", "List");
            head.putObject("metadata").put("resourceVersion", Long.toString(version)).put("selfLink", "");
            return new Listing(java.util.UUID.randomUUID().toString(), head, items);
        }

        /** Runs {@code work} under the mock's read lock, as its own reads of the store do. */
        private <T> T readLocked(java.util.function.Supplier<T> work) {
            java.util.concurrent.locks.Lock read = MockInternals.lock(this).readLock();
            read.lock();
            try {
                return work.get();
            } finally {
                read.unlock();
            }
        }

        private static String value(io.fabric8.mockwebserver.crud.AttributeSet key, String name) {
            io.fabric8.mockwebserver.crud.Attribute a = key.getAttribute(name);
            return a == null || a.getValues().isEmpty() ? "" : a.getValues().get(0).toString();
        }

        /**
         * A watch from a resourceVersion gets what changed after it, as from an API server; the
         * mock replays every stored object as ADDED on each watch, so after its first list an
         * informer would receive (and its client decode) the whole collection a second time.
         * Objects are replayed when their resourceVersion is newer (changed or created since); a
         * watch without one, or from "0", still gets every object.
         */
        @Override
        public MockResponse handleWatch(String path) {
            MockResponse r = super.handleWatch(path);
            int q = path.indexOf('?');
            String from = q < 0 ? "" : first(query(path.substring(q + 1)), "resourceVersion", "");
            Object watch = r.getWebSocketListener();
            if (!from.matches("[1-9][0-9]{0,18}") || watch == null || !MockInternals.LISTENER.isInstance(watch)) {
                return r;
            }
            long since = Long.parseLong(from);
            java.util.function.Consumer<Object> newer = w -> readLocked(() -> {
                map.forEach((key, json) -> {
                    if (MockInternals.matches(w, key) && resourceVersion(json) > since) {
                        MockInternals.added(w, json);
                    }
                });
                return null;
            });
            MockInternals.onOpen(watch, newer);
            return r;
        }
    }

    /**
     * The parts of the fabric8 mock (7.8) that paged lists and resumed watches need and that it
     * keeps private: its store lock and resourceVersion, a watch's action on opening, and the
     * watch's own methods (its class is package-private). Missing, they fail loudly.
     */
    private static final class MockInternals {
        static final Class<?> LISTENER;
        private static final java.lang.reflect.Field LOCK;
        private static final java.lang.reflect.Field RESOURCE_VERSION;
        private static final java.lang.reflect.Field ON_OPEN;
        private static final java.lang.reflect.Method MATCHES;
        private static final java.lang.reflect.Method SEND;

        static {
            try {
                LISTENER = Class.forName("io.fabric8.kubernetes.client.server.mock.WatchEventsListener");
                LOCK = io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher.class.getDeclaredField("lock");
                RESOURCE_VERSION = io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher.class
                        .getDeclaredField("resourceVersion");
                ON_OPEN = LISTENER.getDeclaredField("onOpenAction");
                MATCHES = LISTENER.getDeclaredMethod("attributeMatches", io.fabric8.mockwebserver.crud.AttributeSet.class);
                SEND = LISTENER.getDeclaredMethod("sendWebSocketResponse", String.class,
                        io.fabric8.kubernetes.client.Watcher.Action.class);
                for (java.lang.reflect.AccessibleObject o : List.of(LOCK, RESOURCE_VERSION, ON_OPEN, MATCHES, SEND)) {
                    o.setAccessible(true);
                }
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static java.util.concurrent.locks.ReadWriteLock lock(Object crud) {
            return (java.util.concurrent.locks.ReadWriteLock) get(LOCK, crud);
        }

        /** The store's newest resourceVersion, which the mock gives every list it answers. */
        static long resourceVersion(Object crud) {
            return ((java.util.concurrent.atomic.AtomicLong) get(RESOURCE_VERSION, crud)).get();
        }

        static void onOpen(Object watch, java.util.function.Consumer<Object> action) {
            try {
                ON_OPEN.set(watch, action);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        static boolean matches(Object watch, io.fabric8.mockwebserver.crud.AttributeSet key) {
            return (Boolean) call(MATCHES, watch, key);
        }

        static void added(Object watch, String json) {
            call(SEND, watch, json, io.fabric8.kubernetes.client.Watcher.Action.ADDED);
        }

        private static Object get(java.lang.reflect.Field f, Object o) {
            try {
                return f.get(o);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Object call(java.lang.reflect.Method m, Object o, Object... args) {
            try {
                return m.invoke(o, args);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
    }

    /** An object's metadata.resourceVersion, read without decoding the rest; 0 when it has none. */
    private static long resourceVersion(String json) {
        try (com.fasterxml.jackson.core.JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return 0;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("metadata") || p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String m = p.currentName();
                    p.nextToken();
                    if (m.equals("resourceVersion")) {
                        String v = p.getValueAsString("");
                        return !v.isEmpty() && v.length() <= 18 && v.chars().allMatch(Character::isDigit) ? Long.parseLong(v) : 0;
                    }
                    p.skipChildren();
                }
                return 0;
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return 0;
    }

    /**
     * Runs {@code creates}, whose objects the caller knows to be new (names no object has), without
     * the mock's scan for an existing one: nothing else may write to the cluster meanwhile.
     */
    public void createNew(Runnable creates) {
        crud.allNew = true;
        try {
            creates.run();
        } finally {
            crud.allNew = false;
        }
    }

    /**
     * Forgets the listings still being paged (a client that gave up on one leaves its snapshot
     * here): a benchmark measuring its engine's heap must not count what an API server holds.
     */
    public void dropListings() {
        listings.clear();
    }

    /** Refuses a permission from now on, as AccessCheck names it ("create pods/portforward"). */
    public void deny(String permission) {
        denied.add(permission);
    }

    /** The API server's URL through the proxy. */
    public String url() {
        return base(proxy.port());
    }

    /** Over TLS the name is the certificate's. */
    private String base(int p) {
        return certificate != null ? "https://localhost:" + p : "http://127.0.0.1:" + p;
    }

    /** The PEM file of the certificate served with TLS (its own CA), or null. */
    public java.nio.file.Path caCertificate() {
        return certificate == null ? null : certificate.pem();
    }

    /** A client as the runtime gets one, with the runtime's timeouts and retries from {@code st}. */
    public KubernetesClient client(String namespace, KubernetesSettings st) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace(namespace)
                .withTrustCerts(true).withOauthToken("test-token").build();
        return new KubernetesClientBuilder().withConfig(KubeconfigContexts.tuned(config, st)).build();
    }

    /** A client for the test itself (the kubelet fixture, assertions): straight to the server, no retries. */
    public KubernetesClient directClient() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(base(port)).withTrustCerts(true)
                .withNamespace("default").withRequestRetryBackoffLimit(0).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** The next {@code times} requests of {@code method} under {@code pathPrefix} get HTTP {@code code}. */
    void fail(String method, String pathPrefix, int code, int times) {
        faults.add(new Fault(method, pathPrefix, false, new AtomicInteger(times), r -> status(code, switch (code) {
            case 403 -> "Forbidden";
            case 410 -> "Expired";
            case 503 -> "ServiceUnavailable";
            default -> "InternalError";
        }, code == 403 ? "pods is forbidden: User \"tester\" cannot " + method.toLowerCase() + " resource in this namespace"
                : "injected failure " + code)));
    }

    /**
     * From now on the cluster serves {@code metrics.k8s.io} as metrics-server does, each pod's figures
     * from {@code usage} (namespace, pod → container → {cpu, memory} quantities; null: none yet, 404).
     * Without it, the group is not there: 404, as on a cluster without metrics-server.
     */
    void serveMetrics(java.util.function.BiFunction<String, String, Map<String, String[]>> usage) {
        Pattern one = Pattern.compile("/apis/metrics\\.k8s\\.io/v1beta1/namespaces/([^/]+)/pods/([^/?]+)");
        faults.add(new Fault("GET", "/apis/metrics.k8s.io/", false, new AtomicInteger(Integer.MAX_VALUE), r -> {
            Matcher m = one.matcher(r.getPath());
            Map<String, String[]> containers = m.lookingAt() ? usage.apply(m.group(1), m.group(2)) : null;
            if (containers == null) {
                return status(404, "NotFound", "podmetrics.metrics.k8s.io \"" + (m.lookingAt() ? m.group(2) : "") + "\" not found");
            }
            ObjectNode pm = Json.object().put("kind", "PodMetrics").put("apiVersion", "metrics.k8s.io/v1beta1");
            pm.putObject("metadata").put("name", m.group(2)).put("namespace", m.group(1));
            pm.put("timestamp", java.time.Instant.now().toString()).put("window", "15s");
            var list = pm.putArray("containers");
            containers.forEach((name, u) -> {
                ObjectNode c = list.addObject().put("name", name);
                c.putObject("usage").put("cpu", u[0]).put("memory", u[1]);
            });
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(Json.compact(pm));
        }));
    }

    /** The next watch under {@code pathPrefix} is told its resourceVersion is too old (410 Gone). */
    void goneOnNextWatch(String pathPrefix) {
        // as an API server says it: an ERROR event with a 410 Status on the watch stream, then the end
        ObjectNode status = statusJson(410, "Expired", "too old resource version: 1 (42)");
        String event = Json.compact(Json.object().put("type", "ERROR").set("object", status));
        faults.add(new Fault("GET", pathPrefix, true, new AtomicInteger(1),
                r -> new MockResponse().withWebSocketUpgrade(new io.fabric8.mockwebserver.http.WebSocketListener() {
                    @Override
                    public void onOpen(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response response) {
                        ws.send(event);
                        ws.close(1000, "gone");
                    }
                })));
    }

    int requestCount(String method, String pathPrefix) {
        return (int) requests.stream().filter(r -> r.startsWith(method + " " + pathPrefix)).count();
    }

    /** Commands started by pods/exec still running (one whose status went out has exited: its exit was awaited). */
    int runningExecs() {
        return (int) execs.stream().filter(Process::isAlive).count();
    }

    /** Port-forward streams open now. */
    int openForwards() {
        return forwards.size();
    }

    /**
     * The API server closes every port-forward websocket (close frame 1001, "going away"), as one
     * being restarted or an idle timeout on the way does; the connections to the pods close too.
     */
    void closePortForwards() {
        for (ServerWebSocket ws : List.copyOf(forwards)) {
            ws.close((short) 1001, "the API server closed the stream");
        }
    }

    // ---- the HTTP server -----------------------------------------------------------------------

    private void handle(HttpServerRequest req) {
        String uri = req.uri();
        String method = req.method().name();
        requests.add(method + " " + uri);
        if (TRACE) {
            System.out.println("fake-cluster " + java.time.LocalTime.now() + " " + method + " " + uri);
        }
        String auth = req.getHeader("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
        boolean upgrade = "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
        if (upgrade) {
            // an upgrade decided after a look at the store: the request must not be read to its end meanwhile
            req.pause();
        }
        Matcher sub = POD_SUB.matcher(req.path());
        if (sub.matches() && fault(req) == null) {
            String ns = sub.group(1);
            String pod = sub.group(2);
            Map<String, List<String>> q = query(req.query());
            switch (sub.group(3)) {
                case "portforward" -> {
                    if (upgrade) {
                        portForward(req, ns, pod, q);
                        return;
                    }
                }
                case "log" -> {
                    if (req.method() == io.vertx.core.http.HttpMethod.GET) {
                        log(req, ns, pod, q);
                        return;
                    }
                }
                case "exec" -> {
                    if (upgrade) {
                        exec(req, ns, pod, q);
                        return;
                    }
                }
                default -> {
                }
            }
        }
        boolean hasBody = req.getHeader("Content-Length") != null && !"0".equals(req.getHeader("Content-Length").trim())
                || req.getHeader("Transfer-Encoding") != null;
        if (upgrade || !hasBody) {
            // watches upgrade now, as the mock does; the CRUD dispatcher is in memory
            if (upgrade) {
                respond(req, recorded(req, null));
            } else {
                vertx.executeBlocking(() -> recorded(req, null), false)
                        .onComplete(ar -> respond(req, ar.succeeded() ? ar.result() : null));
            }
            return;
        }
        req.body().onSuccess(body -> vertx.executeBlocking(() -> recorded(req, body), false)
                .onComplete(ar -> respond(req, ar.succeeded() ? ar.result() : null)));
    }

    private record Dispatched(RecordedRequest request, MockResponse response) {
    }

    /** The mock's view of the request, and its answer (computed off the event loop unless upgrading). */
    private Dispatched recorded(HttpServerRequest req, Buffer body) {
        RecordedRequest r = new RecordedRequest(req.version().alpnName().toUpperCase(java.util.Locale.ROOT),
                HttpMethod.fromVertx(req.method()), req.uri(), Headers.builder().addAll(req.headers()).build(),
                new io.fabric8.mockwebserver.http.Buffer(body == null ? new byte[0] : body.getBytes()));
        return new Dispatched(r, dispatch(r));
    }

    private void respond(HttpServerRequest req, Dispatched d) {
        if (d == null) {
            req.response().setStatusCode(500).end();
            return;
        }
        MockResponse m = d.response();
        if (m.getWebSocketListener() != null) {
            req.toWebSocket().onSuccess(new ServerWebSocketHandler(d.request(), m))
                    .onFailure(t -> req.response().setStatusCode(500).end());
            return;
        }
        HttpServerResponse resp = req.response().setStatusCode(m.code());
        m.getHeaders().toMultimap().forEach((k, v) -> resp.headers().add(k, v));
        io.fabric8.mockwebserver.http.Buffer b = m.getBody();
        if (b == null) {
            resp.end();
            return;
        }
        byte[] bytes = b.getBytes();
        if (!resp.headers().contains("Transfer-Encoding")) {
            resp.headers().set("Content-Length", Integer.toString(bytes.length));
        }
        resp.end(Buffer.buffer(bytes));
    }

    private Fault fault(HttpServerRequest req) {
        String path = req.uri();
        boolean watch = path.contains("watch=true");
        for (Fault f : faults) {
            if (f.method().equals(req.method().name()) && path.startsWith(f.pathPrefix()) && (!f.watchOnly() || watch)
                    && f.left().get() > 0) {
                return f;
            }
        }
        return null;
    }

    /** What {@code GET /version} answers: an API server's build, as kubectl version shows it. */
    private static final String VERSION = "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0\","
            + "\"gitCommit\":\"0000000000000000000000000000000000000000\",\"gitTreeState\":\"clean\","
            + "\"buildDate\":\"2024-08-13T00:00:00Z\",\"goVersion\":\"go1.22.5\",\"compiler\":\"gc\","
            + "\"platform\":\"linux/amd64\"}";

    private MockResponse dispatch(RecordedRequest r) {
        String path = r.getPath();
        boolean watch = path.contains("watch=true");
        for (Fault f : faults) {
            if (f.method().equals(r.getMethod()) && path.startsWith(f.pathPrefix()) && (!f.watchOnly() || watch)
                    && f.left().getAndDecrement() > 0) {
                return f.response().apply(r);
            }
        }
        if (r.getMethod().equals("GET") && (path.equals("/version") || path.startsWith("/version?"))) {
            // the mock's CRUD store would answer it as a list of every object it holds (1.1 s at 40,000)
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody(VERSION);
        }
        if (path.startsWith("/apis/metrics.k8s.io/")) {
            // no metrics-server unless serveMetrics: the API group is not there, as the API server says it
            return status(404, "NotFound", "the server could not find the requested resource");
        }
        if (r.getMethod().equals("POST") && path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")) {
            return accessReview(r);
        }
        int q = path.indexOf('?');
        if (r.getMethod().equals("GET") && !watch && q > 0 && query(path.substring(q + 1)).containsKey("limit")) {
            return page(r, path.substring(0, q), query(path.substring(q + 1)));
        }
        return crud.dispatch(r);
    }

    /**
     * A list with {@code limit}, paginated as an API server does (the mock would answer it whole):
     * items in key order (namespace, name), at most {@code limit} a page, {@code metadata.continue}
     * naming where the next page starts and {@code remainingItemCount}. As etcd serves every page
     * of one listing from the first page's revision, the pages come from a snapshot taken then,
     * and every page carries its resourceVersion, from which the client's watch then starts; a
     * token whose snapshot is gone is refused with 410 Expired, as after a compaction.
     */
    private MockResponse page(RecordedRequest r, String path, Map<String, List<String>> q) {
        long limit;
        try {
            limit = Long.parseLong(first(q, "limit", ""));
        } catch (NumberFormatException e) {
            return status(400, "BadRequest", "limit: Invalid value: " + first(q, "limit", "") + ": must be a number");
        }
        String token = first(q, "continue", null);
        Listing listing;
        int offset = 0;
        if (token == null) {
            StringBuilder rest = new StringBuilder();
            q.forEach((k, vs) -> vs.forEach(v -> {
                if (!k.equals("limit") && !k.equals("continue")) {
                    rest.append(rest.length() == 0 ? "?" : "&").append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8))
                            .append('=').append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8));
                }
            }));
            listing = limit > 0 ? crud.listing(path + rest, limit) : null;
            if (listing == null) {
                return crud.dispatch(new RecordedRequest(r.getHttpVersion(), HttpMethod.GET, path + rest,
                        r.getHeaders(), new io.fabric8.mockwebserver.http.Buffer()));
            }
            listings.put(listing.id(), listing);
        } else {
            String[] t;
            try {
                t = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
                Integer.parseInt(t[t.length - 1]);
            } catch (IllegalArgumentException e) {
                return status(400, "BadRequest", "continue key is not valid: " + e.getMessage());
            }
            listing = t.length == 2 ? listings.get(t[0]) : null;
            if (listing == null) {
                return status(410, "Expired", "The provided continue parameter is too old to display a consistent list "
                        + "result. You can start a new list without the continue parameter.");
            }
            offset = Integer.parseInt(t[1]);
        }
        List<Listing.Item> page = listing.items().subList(offset, (int) Math.min(offset + limit, listing.items().size()));
        ObjectNode out = listing.head().deepCopy();
        int next = offset + page.size();
        if (next < listing.items().size()) {
            out.with("metadata").put("continue", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (listing.id() + "\n" + next).getBytes(StandardCharsets.UTF_8)))
                    .put("remainingItemCount", listing.items().size() - next);
        } else {
            listings.remove(listing.id());
        }
        // the items as the store gave them, spliced in: re-serialising every page cost the benchmarks
        // more CPU than the engine being measured
        String head = Json.compact(out);
        StringBuilder body = new StringBuilder(head.length() + page.size() * 2048);
        body.append(head, 0, head.length() - 1).append(head.length() > 2 ? "," : "").append("\"items\":[");
        for (int i = 0; i < page.size(); i++) {
            body.append(i == 0 ? "" : ",").append(page.get(i).json());
        }
        pagesServed.incrementAndGet();
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(body.append("]}").toString());
    }

    /** One paginated listing: the list's metadata and its items in key order, as of its first page. */
    private record Listing(String id, ObjectNode head, List<Item> items) {
        /** An item's key (namespace/name) and its JSON as the store served it. */
        record Item(String key, String json) {
        }
    }

    private MockResponse accessReview(RecordedRequest r) {
        ObjectNode review = (ObjectNode) Json.parse(r.getUtf8Body());
        JsonNode a = review.path("spec").path("resourceAttributes");
        String group = a.path("group").asText("");
        String sub = a.path("subresource").asText("");
        String described = a.path("verb").asText() + " " + a.path("resource").asText() + (sub.isEmpty() ? "" : "/" + sub)
                + (group.isEmpty() ? "" : "." + group);
        boolean allowed = !denied.contains(described);
        review.putObject("status").put("allowed", allowed).put("reason", allowed ? "RBAC: allowed by test" : "");
        return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
                .setBody(Json.compact(review));
    }

    /** The pod as the store holds it, or null. */
    private Pod pod(String ns, String name) {
        MockResponse r = crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, "/api/v1/namespaces/" + ns + "/pods/" + name,
                Headers.builder().build(), new io.fabric8.mockwebserver.http.Buffer()));
        if (r.code() != 200 || r.getBody() == null) {
            return null;
        }
        return Serialization.unmarshal(r.getBody().readUtf8(), Pod.class);
    }

    // ---- pods/log --------------------------------------------------------------------------------

    private void log(HttpServerRequest req, String ns, String name, Map<String, List<String>> q) {
        Context ctx = vertx.getOrCreateContext();
        String container = first(q, "container", "");
        boolean previous = "true".equals(first(q, "previous", "false"));
        boolean follow = "true".equals(first(q, "follow", "false"));
        boolean timestamps = "true".equals(first(q, "timestamps", "false"));
        int tail = Integer.parseInt(first(q, "tailLines", "-1"));
        String sinceTime = first(q, "sinceTime", null);
        Instant since = sinceTime == null ? null : Instant.parse(sinceTime);
        vertx.executeBlocking(() -> {
            Pod p = pod(ns, name);
            if (p == null) {
                return podNotFound(name);
            }
            Target target = target(p, container);
            if (target.refusal() != null) {
                return target.refusal();
            }
            String c = target.container();
            ContainerLogs.Log l = previous ? logs.previous(ns, name, c) : logs.current(ns, name, c);
            if (l == null) {
                return previous ? status(400, "BadRequest", "previous terminated container \"" + c + "\" in pod \"" + name
                        + "\" not found") : status(400, "BadRequest", "container \"" + c + "\" in pod \"" + name
                        + "\" is waiting to start: " + waitingReason(p, c));
            }
            return l;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                req.response().setStatusCode(500).end(String.valueOf(ar.cause()));
                return;
            }
            if (ar.result() instanceof MockResponse m) {
                refuse(req, m);
                return;
            }
            ContainerLogs.Log l = (ContainerLogs.Log) ar.result();
            HttpServerResponse resp = req.response().setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "text/plain");
            if (follow) {
                logStreams.add(req); // removed by the close handler below
            }
            Runnable stop = l.read(tail, since, follow && !previous, new ContainerLogs.Follower() {
                @Override
                public void lines(List<ContainerLogs.Line> lines) {
                    logGate.pass(ctx, follow, v -> {
                        if (resp.ended() || resp.closed()) {
                            return;
                        }
                        // the API server copies bytes as the runtime writes them: lines do not line up with chunks
                        for (ContainerLogs.Line line : lines) {
                            String s = (timestamps ? stamp(line.time()) + " " : "") + line.text() + "\n";
                            int cut = s.length() / 2;
                            resp.write(s.substring(0, cut));
                            resp.write(s.substring(cut));
                        }
                    });
                }

                @Override
                public void ended() {
                    logGate.pass(ctx, follow, v -> {
                        if (!resp.ended() && !resp.closed()) {
                            resp.end();
                        }
                    });
                }
            });
            resp.closeHandler(v -> {
                logStreams.remove(req);
                stop.run();
            });
        });
    }

    /** Follow streams of pods/log open now. */
    private final Set<HttpServerRequest> logStreams = ConcurrentHashMap.newKeySet();
    /** Holds back what the log streams send (lines and their ends), as a slow API server does. */
    private final LogGate logGate = new LogGate();

    /**
     * Until {@link #releaseLogs}, what containers write (and their streams' ends) reaches no
     * follow stream: a kubelet and API server whose copy lags behind the pod's status, which the
     * informers see at once.
     */
    void holdLogs() {
        logGate.hold();
    }

    /** Sends what was held back, in order, and lets the streams flow again. */
    void releaseLogs() {
        logGate.release();
    }

    /**
     * The API server drops every log follow stream's connection mid-stream, without the chunked
     * body's last chunk (as an API server restart or a proxy's idle timeout does).
     */
    void cutLogStreams() {
        for (HttpServerRequest req : List.copyOf(logStreams)) {
            logStreams.remove(req);
            req.connection().close();
        }
    }

    /** Runs writes to log streams on their context in order, or queues them while held. */
    private static final class LogGate {
        private final List<Runnable> held = new ArrayList<>();
        private boolean holding;

        /** Only follow streams are held: the engine's own reads of a log's tail go on. */
        synchronized void pass(Context ctx, boolean follow, io.vertx.core.Handler<Void> write) {
            Runnable r = () -> ctx.runOnContext(write);
            if (holding && follow) {
                held.add(r);
            } else {
                r.run();
            }
        }

        synchronized void hold() {
            holding = true;
        }

        synchronized void release() {
            holding = false;
            held.forEach(Runnable::run);
            held.clear();
        }
    }

    private static String waitingReason(Pod p, String container) {
        if (p.getStatus() == null) {
            return "ContainerCreating";
        }
        return p.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals(container))
                .map(ContainerStatus::getState).filter(s -> s != null && s.getWaiting() != null)
                .map(s -> s.getWaiting().getReason()).findFirst().orElse("ContainerCreating");
    }

    /** RFC 3339 with nanoseconds, trailing zeros dropped, as Go's time.RFC3339Nano (the kubelet's format). */
    static String stamp(Instant t) {
        String nanos = String.format("%09d", t.getNano()).replaceAll("0+$", "");
        return SECONDS.format(t) + (nanos.isEmpty() ? "" : "." + nanos) + "Z";
    }

    // ---- pods/portforward ---------------------------------------------------------------------

    private void portForward(HttpServerRequest req, String ns, String name, Map<String, List<String>> q) {
        List<Integer> ports = new ArrayList<>();
        for (String v : q.getOrDefault("ports", List.of())) {
            for (String p : v.split(",")) {
                ports.add(Integer.parseInt(p.trim()));
            }
        }
        vertx.executeBlocking(() -> pod(ns, name), false).onComplete(ar -> {
            Pod p = ar.succeeded() ? ar.result() : null;
            if (p == null) {
                refuse(req, podNotFound(name));
                return;
            }
            if (ports.isEmpty()) {
                refuse(req, status(400, "BadRequest", "query parameter \"port\" is required"));
                return;
            }
            String uid = p.getMetadata().getUid();
            req.toWebSocket().onSuccess(ws -> {
                forwardsOpened.incrementAndGet();
                forwards.add(ws);
                ws.pause();
                Map<Integer, NetSocket> conns = new ConcurrentHashMap<>();
                AtomicInteger pending = new AtomicInteger(ports.size());
                ws.closeHandler(v -> {
                    forwards.remove(ws);
                    conns.values().forEach(NetSocket::close);
                });
                ws.binaryMessageHandler(msg -> {
                    if (msg.length() == 0) {
                        return;
                    }
                    int ch = msg.getUnsignedByte(0);
                    NetSocket s = conns.get(ch / 2);
                    if (ch % 2 == 0 && s != null && msg.length() > 1) {
                        s.write(msg.slice(1, msg.length()));
                    }
                });
                for (int i = 0; i < ports.size(); i++) {
                    int index = i;
                    int port = ports.get(i);
                    // the kubelet's first frame on each channel: the port, little-endian
                    Buffer portBytes = Buffer.buffer(new byte[]{(byte) port, (byte) (port >> 8)});
                    ws.writeBinaryMessage(frame(2 * i, portBytes));
                    ws.writeBinaryMessage(frame(2 * i + 1, portBytes));
                    Integer target = network.hostPort(ns, name, port);
                    if (target == null) {
                        refused(ws, index, ns, name, uid, port);
                        continue;
                    }
                    net.connect(target, "127.0.0.1").onComplete(c -> {
                        if (c.failed()) {
                            refused(ws, index, ns, name, uid, port);
                            return;
                        }
                        NetSocket s = c.result();
                        conns.put(index, s);
                        s.handler(data -> ws.writeBinaryMessage(frame(2 * index, data)));
                        // the container closed the connection: the kubelet ends the stream
                        s.closeHandler(v -> ws.close((short) 1000));
                        if (pending.decrementAndGet() == 0) {
                            ws.resume();
                        }
                    });
                }
            }).onFailure(t -> req.response().setStatusCode(500).end());
        });
    }

    /** What the kubelet writes on a port's error channel when nothing listens there, then the stream ends. */
    private static void refused(ServerWebSocket ws, int index, String ns, String pod, String uid, int port) {
        String message = "error forwarding port " + port + " to pod " + pod + ", uid " + uid
                + ": failed to connect to localhost:" + port + " inside namespace \"" + ns + "\": connection refused";
        ws.writeBinaryMessage(frame(2 * index + 1, Buffer.buffer(message)));
        ws.close((short) 1000);
    }

    // ---- pods/exec ------------------------------------------------------------------------------

    private void exec(HttpServerRequest req, String ns, String name, Map<String, List<String>> q) {
        List<String> command = q.getOrDefault("command", List.of());
        boolean stdin = "true".equals(first(q, "stdin", "false"));
        boolean stdout = "true".equals(first(q, "stdout", "false"));
        boolean stderr = "true".equals(first(q, "stderr", "false"));
        boolean tty = "true".equals(first(q, "tty", "false"));
        String offered = req.getHeader("Sec-WebSocket-Protocol");
        String protocol = execProtocol(offered);
        vertx.executeBlocking(() -> pod(ns, name), false).onComplete(ar -> {
            Pod p = ar.succeeded() ? ar.result() : null;
            if (p == null) {
                refuse(req, podNotFound(name));
                return;
            }
            // the API server's own checks come before any upgrade: plain HTTP errors
            Target target = target(p, first(q, "container", ""));
            MockResponse refusal = target.refusal() != null ? target.refusal()
                    : command.isEmpty() ? status(400, "BadRequest", "you must specify at least one command for the container")
                    : !stdin && !stdout && !stderr ? status(400, "BadRequest", "you must specify at least 1 of stdin, stdout, stderr")
                    : tty ? status(400, "BadRequest", "tty=true: the fake cluster runs commands without a terminal")
                    : protocol == null ? status(400, "BadRequest", "requested protocol(s) are not supported: " + offered)
                    : null;
            if (refusal != null) {
                refuse(req, refusal);
                return;
            }
            RunningContainer c = containers.running(ns, name, target.container());
            // the kubelet finds only running containers and answers with plain text; for v4 the API
            // server passes its answer on, for v5 (translated to SPDY) it has upgraded already and
            // says it on the status channel
            String notFound = "container not found (\"" + target.container() + "\")";
            boolean v5 = V5.equals(protocol);
            if (c == null && !v5) {
                req.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8").end(notFound);
                return;
            }
            // the choice made above, whatever the client's order (Netty would take the first it knows)
            req.headers().set("Sec-WebSocket-Protocol", protocol);
            req.toWebSocket().onSuccess(ws -> {
                if (c == null) {
                    ws.writeBinaryMessage(frame(PodExec.ERROR, Buffer.buffer(Json.compact(
                            PodExec.internalError("unable to upgrade connection: " + notFound)))));
                    ws.close((short) 1000);
                    return;
                }
                Process started = PodExec.start(ws, v5, c, command, stdin, stdout, stderr, execThreads);
                if (started != null) {
                    execs.add(started);
                    started.onExit().thenRun(() -> execs.remove(started));
                }
            }).onFailure(t -> req.response().setStatusCode(500).end());
        });
    }

    /**
     * The subprotocol an API server speaks for exec: v5 whenever the client offers it (its stream
     * translator speaks only v5), else v4; null when the client offers neither.
     */
    private static String execProtocol(String offered) {
        List<String> protocols = offered == null ? List.of()
                : Arrays.stream(offered.split(",")).map(String::trim).toList();
        return protocols.contains(V5) ? V5 : protocols.contains(V4) ? V4 : null;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A message of the API server's streaming protocols: the channel's byte, then the payload. */
    static Buffer frame(int channel, Buffer payload) {
        return Buffer.buffer(payload.length() + 1).appendByte((byte) channel).appendBuffer(payload);
    }

    /** An error answered instead of a stream (an upgrade or a log), as the Status JSON the API server writes. */
    private static void refuse(HttpServerRequest req, MockResponse m) {
        req.response().setStatusCode(m.code()).putHeader("Content-Type", "application/json").end(m.getBody().readUtf8());
    }

    private static MockResponse podNotFound(String name) {
        return status(404, "NotFound", "pods \"" + name + "\" not found");
    }

    /** The container a pods/log or pods/exec request means, or why the API server refuses it. */
    private record Target(String container, MockResponse refusal) {
    }

    /** The container named, or the pod's only one when none is. */
    private static Target target(Pod p, String requested) {
        String pod = p.getMetadata().getName();
        List<String> names = p.getSpec().getContainers().stream().map(Container::getName).toList();
        if (requested.isEmpty() && names.size() != 1) {
            return new Target(null, status(400, "BadRequest", "a container name must be specified for pod " + pod
                    + ", choose one of: " + names));
        }
        String c = requested.isEmpty() ? names.get(0) : requested;
        return names.contains(c) ? new Target(c, null)
                : new Target(null, status(400, "BadRequest", "container " + c + " is not valid for pod " + pod));
    }

    private static String first(Map<String, List<String>> q, String key, String otherwise) {
        List<String> v = q.get(key);
        return v == null || v.isEmpty() ? otherwise : v.get(0);
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                out.computeIfAbsent(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                        k -> new ArrayList<>()).add(eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static ObjectNode statusJson(int code, String reason, String message) {
        ObjectNode s = Json.object().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        s.putObject("metadata");
        return s;
    }

    static MockResponse status(int code, String reason, String message) {
        ObjectNode s = statusJson(code, reason, message);
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(Json.compact(s));
    }

    @Override
    public void close() {
        if (certificate != null) {
            certificate.delete();
        }
        proxy.close();
        execThreads.shutdownNow();
        execs.forEach(PodExec::kill);
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the port is freed with the event loops
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: its threads end with the JVM
        }
    }
}
