package dev.pilothouse.server;

import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The REST API over one engine, on Javalin (Jetty 12): routing, path parameters and error mapping
 * are Javalin's; the handlers are thin and call the engine, which does every check and write.
 *
 * <p>Stopping: new connections are refused first, open streams (watches, log follows) are ended
 * with a last event, requests in flight (a reply being awaited) get the grace period to finish.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final Javalin app;
    private final Streams streams;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService work;
    private final Awaited awaited;
    private final ServerOptions options;
    private volatile boolean closed;

    private ApiServer(Engine engine, ServerOptions options) {
        this.options = options;
        this.work = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "api-work");
            t.setDaemon(true);
            return t;
        });
        this.awaited = new Awaited(work);
        this.streams = new Streams(engine.tokens()::standing, engine.tokens()::whyRefused);
        Auth auth = new Auth(engine, new RateLimiter(options.requestsPerMinute()));
        QueryCheck queries = QueryCheck.fromDocument();
        SessionsApi sessions = new SessionsApi(awaited, engine::commitSeq);
        LogsApi logs = new LogsApi(streams);
        WatchApi watch = new WatchApi(streams, engine::commitSeq);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = options.maxBodyBytes();
            config.http.compressionStrategy = CompressionStrategy.NONE; // streams are flushed event by event
            config.http.prefer405over404 = true;
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            if (options.tls()) {
                char[] pass = Long.toHexString(Double.doubleToLongBits(Math.random())).toCharArray();
                config.jetty.addConnector((server, http) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStore(Tls.keyStore(options.tlsCert(), options.tlsKey(), pass));
                    ssl.setKeyStorePassword(new String(pass));
                    http.addCustomizer(new SecureRequestCustomizer(false));
                    ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                            new HttpConnectionFactory(http));
                    c.setHost(options.host());
                    c.setPort(options.port());
                    return c;
                });
            }
            // counted around the whole servlet call, and the response completed before the count drops:
            // a stop then never cuts an answer short (Javalin's after-handlers run before it is written)
            config.jetty.modifyServletContextHandler(h -> h.addFilter(new FilterHolder(new InFlightFilter(inFlight)), "/*",
                    EnumSet.of(DispatcherType.REQUEST)));
            // close() waits for requests itself (the grace period); Jetty's own wait would only hold idle
            // keep-alive connections open
            config.jetty.modifyServer(server -> server.setStopTimeout(0));
            // what Jetty refuses itself (a URI, header or request line it cannot accept) is answered in the
            // one error shape too: the server's handler for parse errors, the context's for a URI it refuses
            AtomicReference<HttpConfiguration> httpConfig = new AtomicReference<>();
            config.jetty.modifyHttpConfiguration(httpConfig::set);
            JsonErrorHandler jsonErrors = new JsonErrorHandler(() -> httpConfig.get() == null ? 0
                    : httpConfig.get().getRequestHeaderSize());
            config.jetty.modifyServer(server -> server.setErrorHandler(jsonErrors));
            config.jetty.modifyServletContextHandler(h -> h.setErrorHandler(jsonErrors));
            config.routes.before(ctx -> {
                ctx.attribute(RequestBody.LIMIT, options.maxBodyBytes());
                awaited.attach(ctx);
                if (closed) {
                    throw new ApiException(503, "unavailable", "the server is stopping", null);
                }
                auth.check(ctx);
                queries.check(ctx);
                RequestBody.checkEncoding(ctx);
            });
            config.routes.get("/api/v0/health", ctx -> ctx.json(Json.object().put("status", "ok")));
            config.routes.get("/api/v0/version", ctx -> ctx.json(Json.object().put("version", BuildInfo.version())
                    .put("build", BuildInfo.build()).put("api", "v0")));
            config.routes.get("/api/v0/openapi.json", ctx -> {
                try (InputStream in = ApiServer.class.getResourceAsStream("openapi.json")) {
                    ctx.contentType("application/json").result(in.readAllBytes());
                }
            });
            ContextsApi.register(config.routes);
            AgentsApi.register(config.routes);
            TemplatesApi.register(config.routes);
            SchedulesApi.register(config.routes);
            BatchesApi.register(config.routes);
            sessions.register(config.routes);
            MessagesApi.register(config.routes, streams);
            logs.register(config.routes);
            FilesApi.register(config.routes);
            BundlesApi.register(config.routes);
            MetricsApi.register(config.routes);
            watch.register(config.routes);
            OrpheusApi.register(config.routes, streams);
            Errors.register(config.routes, options.maxBodyBytes(), options.idleTimeout(), this::allowed);
        });
        // HEAD runs its GET's handler (Jetty sends the status and headers, not the body): on its own,
        // Javalin answers HEAD on a GET path with 200 without running anything
        for (ParsedEndpoint e : List.copyOf(app.unsafe.internalRouter.allHttpHandlers())) {
            if (e.endpoint.method == HandlerType.GET) {
                app.unsafe.internalRouter.addHttpEndpoint(new Endpoint(HandlerType.HEAD, e.endpoint.path, e.endpoint.handler));
            }
        }
    }

    /** The methods routed for {@code path}, for a 405's Allow: HEAD named right after GET, as every GET path answers it. */
    private List<String> allowed(String path) {
        List<String> methods = new ArrayList<>();
        for (HandlerType t : HandlerType.values()) {
            if (t.isHttpMethod() && t != HandlerType.HEAD && !app.unsafe.internalRouter.findHttpHandlerEntries(t, path).isEmpty()) {
                methods.add(t.name());
                if (t == HandlerType.GET) {
                    methods.add(HandlerType.HEAD.name());
                }
            }
        }
        return methods;
    }

    /** Starts serving {@code engine} as {@code options} say; refuses an exposed listen without TLS or --insecure. */
    public static ApiServer start(Engine engine, ServerOptions options) {
        options.check();
        ApiServer s = new ApiServer(engine, options);
        s.app.start(options.host(), options.port());
        for (var c : s.app.jettyServer().server().getConnectors()) {
            if (c instanceof AbstractConnector a) {
                a.setIdleTimeout(options.idleTimeout().toMillis()); // each connection takes it as it is accepted
            }
        }
        log.info("REST API on {}://{}:{}", options.tls() ? "https" : "http", options.host(), s.port());
        return s;
    }

    /** The port it listens on (the one chosen when asked for port 0). */
    public int port() {
        for (var c : app.jettyServer().server().getConnectors()) {
            if (c instanceof NetworkConnector n && n.getLocalPort() > 0) {
                return n.getLocalPort();
            }
        }
        return app.port();
    }

    public String url() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return (options.tls() ? "https" : "http") + "://" + host + ":" + port();
    }

    /** A route as registered: an HTTP method and a path in Javalin's form ({@code /api/v0/sessions/{id}}). */
    public record Route(String method, String path) {
    }

    /**
     * The routes this server answers, read from Javalin's router (not a second list kept by hand):
     * every HTTP endpoint, without the before/after filters. What OpenApiTest holds the document to.
     */
    public List<Route> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(e -> e.endpoint)
                .filter(e -> e.method.isHttpMethod() && e.method != HandlerType.HEAD) // HEAD: each GET's, not an operation
                .map(e -> new Route(e.method.name(), e.path))
                .distinct()
                .toList();
    }

    /** Requests being answered now (streams included). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Stops: no new connections, streams ended, requests in flight given up to the grace period. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (var c : app.jettyServer().server().getConnectors()) {
            if (c instanceof NetworkConnector n) {
                try {
                    n.close(); // no new connections; those open finish their requests
                } catch (RuntimeException e) {
                    log.debug("closing connector: {}", e.toString());
                }
            }
        }
        streams.endAll();
        streams.close();
        if (!awaitRequests(options.grace())) {
            // replies and starts still awaited: their answers end now (a last stream event, or a 503); the
            // engine's work on them goes on until the engine closes, and the next engine settles it
            int ended = awaited.endAll("the server is stopping, and its grace period of " + graceText()
                    + " ended before this finished; the next engine on the data dir records how it ended");
            awaitRequests(Duration.ofSeconds(2));
            if (inFlight.get() > 0 || ended > 0) {
                log.warn("{} request(s) still in flight after {}; their answers were ended", Math.max(ended, inFlight.get()),
                        graceText());
            }
        }
        app.stop();
        work.shutdown(); // not shutdownNow: an interrupted reply or start would be recorded by a stopping engine
    }

    private String graceText() {
        Duration g = options.grace();
        return g.toMillis() % 1000 == 0 ? g.toSeconds() + " s" : g.toMillis() + " ms";
    }

    /** Waits up to {@code limit} for the requests being answered to finish; whether they did. */
    private boolean awaitRequests(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20); // polling a counter for at most the limit; nothing to wait on instead
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return inFlight.get() == 0;
    }

    Duration grace() {
        return options.grace();
    }
}
