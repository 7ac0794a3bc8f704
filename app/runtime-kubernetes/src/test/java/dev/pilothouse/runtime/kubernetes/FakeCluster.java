package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The fabric8 mock API server in CRUD mode, behind what a real API server has and the mock lacks:
 * answers to SelfSubjectAccessReviews (everything allowed unless denied by name), container logs
 * (a stub the kubelet fixture fills), injected failures (5xx, 403, 410 Gone on a watch), and a TCP
 * proxy in front that can drop every connection, as an unreachable API server does.
 */
public final class FakeCluster implements AutoCloseable {
    /** The mock server logs every request through java.util.logging: keep the build output readable. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    /** -Dfake.trace=1 (through argLine) prints every request with its time, to debug a test. */
    private static final boolean TRACE = System.getProperty("fake.trace") != null;

    static {
        QUIET.setLevel(java.util.logging.Level.WARNING);
    }

    private final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    private final KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
    private final KubernetesMockServer server;
    final TcpProxy proxy;

    /** Permissions refused, as AccessCheck describes them ("create pods/portforward"). */
    final Set<String> denied = ConcurrentHashMap.newKeySet();
    /** Container logs by "namespace/pod/container" (and ".../previous"), one line per entry. */
    final Map<String, List<String>> logs = new ConcurrentHashMap<>();
    /** Every request that reached the server: "METHOD path?query". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** The Authorization headers seen. */
    final Set<String> authorizations = ConcurrentHashMap.newKeySet();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();

    private record Fault(String method, String pathPrefix, boolean watchOnly, AtomicInteger left,
                         Function<RecordedRequest, MockResponse> response) {
    }

    public FakeCluster() {
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new Dispatcher() {
                    @Override
                    public MockResponse dispatch(RecordedRequest request) {
                        return FakeCluster.this.dispatch(request);
                    }
                }, false);
        server.init();
        proxy = new TcpProxy(server.getHostName(), server.getPort());
    }

    /** The API server's URL through the proxy. */
    /** Refuses a permission from now on, as AccessCheck names it ("create pods/portforward"). */
    public void deny(String permission) {
        denied.add(permission);
    }

    public String url() {
        return "http://127.0.0.1:" + proxy.port();
    }

    /** A client as the runtime gets one, with the runtime's timeouts and retries from {@code st}. */
    public KubernetesClient client(String namespace, KubernetesSettings st) {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace(namespace)
                .withTrustCerts(true).withOauthToken("test-token").build();
        return new KubernetesClientBuilder().withConfig(KubeconfigContexts.tuned(config, st)).build();
    }

    /** A client for the test itself (the kubelet fixture, assertions): straight to the server, no retries. */
    public KubernetesClient directClient() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://" + server.getHostName() + ":"
                + server.getPort()).withNamespace("default").withRequestRetryBackoffLimit(0).build();
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

    private MockResponse dispatch(RecordedRequest r) {
        String path = r.getPath();
        requests.add(r.getMethod() + " " + path);
        if (TRACE) {
            System.out.println("fake-cluster " + java.time.LocalTime.now() + " " + r.getMethod() + " " + path);
        }
        String auth = r.getHeader("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
        boolean watch = path.contains("watch=true");
        for (Fault f : faults) {
            if (f.method().equals(r.getMethod()) && path.startsWith(f.pathPrefix()) && (!f.watchOnly() || watch)
                    && f.left().getAndDecrement() > 0) {
                return f.response().apply(r);
            }
        }
        if (r.getMethod().equals("POST") && path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")) {
            return accessReview(r);
        }
        if (r.getMethod().equals("GET") && path.matches("/api/v1/namespaces/[^/]+/pods/[^/]+/log.*")) {
            return log(path);
        }
        return crud.dispatch(r);
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

    /** Serves the stub log; tailLines, previous and timestamps as the kubelet would. */
    private MockResponse log(String path) {
        URI uri = URI.create(path);
        String[] parts = uri.getPath().split("/");
        String ns = parts[4];
        String pod = parts[6];
        Map<String, String> q = query(uri.getRawQuery());
        String container = q.getOrDefault("container", "");
        boolean previous = "true".equals(q.get("previous"));
        List<String> lines = logs.get(ns + "/" + pod + "/" + container + (previous ? "/previous" : ""));
        if (lines == null) {
            return status(previous ? 400 : 404, previous ? "BadRequest" : "NotFound", previous
                    ? "previous terminated container \"" + container + "\" in pod \"" + pod + "\" not found"
                    : "container \"" + container + "\" in pod \"" + pod + "\" is not available");
        }
        List<String> out = new ArrayList<>(lines);
        if (q.containsKey("tailLines")) {
            int n = Integer.parseInt(q.get("tailLines"));
            out = out.subList(Math.max(0, out.size() - n), out.size());
        }
        boolean timestamps = "true".equals(q.get("timestamps"));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < out.size(); i++) {
            if (timestamps) {
                b.append(String.format("2026-11-21T10:00:%02d.000000000Z ", i % 60));
            }
            b.append(out.get(i)).append('\n');
        }
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(b.toString());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                out.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
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
        proxy.close();
        try {
            // 7.8.0 can time out closing the server; the port is freed either way
            server.destroy();
        } catch (RuntimeException e) {
            // tolerated, see STACK.md
        }
    }
}
