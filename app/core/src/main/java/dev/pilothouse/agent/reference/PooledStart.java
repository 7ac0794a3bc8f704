package dev.pilothouse.agent.reference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reference agent started before its session exists (docs/agent-contract.md, "Pooled agents"). The
 * local runtime keeps a few of them bound and loaded, and a new session claims one instead of waiting
 * for a JVM to start. Until its claim the agent answers only {@code GET /healthz} ("pooled") and
 * {@code POST /v0/claim}. The claim carries the whole environment a freshly started agent of that
 * session would have been given, and from then on the agent is that agent: its workspace, history,
 * token, waiting timeout, and the environment its commands run in. Unclaimed, it exits when the
 * process that pooled it ends, so an engine that dies leaves no idle agents behind.
 */
final class PooledStart {
    /** The secret a claim must present: only the process that started the agent knows it. */
    static final String KEY_ENV = "PILOTHOUSE_POOL_KEY";
    /** The pid of the process that pooled the agent. */
    static final String OWNER_ENV = "PILOTHOUSE_POOL_OWNER";
    static final String CLAIM_PATH = "/v0/claim";
    /** A claim is an environment: a megabyte is far beyond any. */
    static final int MAX_CLAIM_BYTES = 1 << 20;

    private final byte[] key;
    private final int port;
    private final HttpServer server;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<Claim> claim = new CompletableFuture<>();
    /** Where exchanges go: the pool's two endpoints until the claim, then the session's agent. */
    private volatile HttpHandler route = this::pooled;

    /** What the claim made of this process. */
    record Claim(AgentConfig config, IdleTimer idle, AgentServer agent) {
    }

    private PooledStart(byte[] key, int port, HttpServer server) {
        this.key = key;
        this.port = port;
        this.server = server;
    }

    static boolean requested(Map<String, String> env) {
        String k = env.get(KEY_ENV);
        return k != null && !k.isBlank();
    }

    /**
     * Binds the port the environment names, then waits for the claim. Returns the claimed agent
     * serving its session, its ready line logged; exits (status 0) if its owner ends first.
     */
    static Claim await(Map<String, String> env) throws IOException, InterruptedException, AgentConfig.InvalidConfigException {
        String portText = env.get("PILOTHOUSE_AGENT_PORT");
        int port;
        try {
            port = Integer.parseInt(portText == null ? "" : portText.strip());
        } catch (NumberFormatException e) {
            throw new AgentConfig.InvalidConfigException("a pooled agent needs PILOTHOUSE_AGENT_PORT, a port from 1 to 65535; got '"
                    + portText + "'");
        }
        HttpServer server = AgentServer.bind(AgentConfig.DEFAULT_HOST, port);
        PooledStart pool = new PooledStart(env.get(KEY_ENV).strip().getBytes(StandardCharsets.UTF_8),
                server.getAddress().getPort(), server);
        server.createContext("/", exchange -> pool.route.handle(exchange));
        server.start();
        pool.leaveWithOwner(env.get(OWNER_ENV));
        warmUp();
        AgentLog.info("reference agent pooled on " + AgentConfig.DEFAULT_HOST + ":" + pool.port + ", waiting to be claimed");
        try {
            return pool.claim.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Unclaimed, the agent is of no use once the process that would claim it has gone. Its stdin is
     * a pipe that process holds open: end of file says at once that it ended, however it ended. The
     * owner's pid is watched too, for an agent started without that pipe (the JDK polls a process
     * that is not its child: seconds).
     */
    private void leaveWithOwner(String ownerText) {
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent on it
                }
            } catch (IOException e) {
                // closed: the same as its end
            }
            ownerEnded();
        }, "agent-pool-owner");
        stdin.setDaemon(true);
        stdin.start();
        long owner;
        try {
            owner = Long.parseLong(ownerText == null ? "" : ownerText.strip());
        } catch (NumberFormatException e) {
            return; // no owner named: claimed or stopped by whoever started it
        }
        ProcessHandle.of(owner).ifPresentOrElse(h -> h.onExit().thenRun(this::ownerEnded), this::ownerEnded);
    }

    private void ownerEnded() {
        if (claimed.compareAndSet(false, true)) {
            AgentLog.info("the process that pooled this agent has ended; exiting unclaimed");
            Runtime.getRuntime().halt(0);
        }
    }

    /** Loads, while nobody waits, what the claim and a session's first exchanges use. */
    private static void warmUp() {
        Thread t = new Thread(() -> {
            try {
                AgentConfig.parse(Map.of("PILOTHOUSE_AGENT_PORT", "0"), new String[0], Path.of("").toAbsolutePath());
                MessageRequest.parse("{\"content\":\"warm-up\"}".getBytes(StandardCharsets.UTF_8));
                javax.crypto.Mac.getInstance("HmacSHA256").init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256"));
            } catch (Exception e) {
                AgentLog.warn("warm-up failed: " + e);
            }
        }, "agent-pool-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private void pooled(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/healthz") && exchange.getRequestMethod().equals("GET")) {
                AgentServer.send(exchange, 200, "{\"status\":\"pooled\"}");
            } else if (path.equals(CLAIM_PATH) && exchange.getRequestMethod().equals("POST")) {
                claim(exchange);
            } else {
                AgentServer.sendError(exchange, 503, "this agent is pooled and not claimed by a session yet; "
                        + "it serves GET /healthz and POST " + CLAIM_PATH);
            }
        }
    }

    private void claim(HttpExchange exchange) throws IOException {
        if (!authorized(exchange)) {
            AgentServer.sendError(exchange, 401, "missing or wrong bearer key: a claim presents the "
                    + KEY_ENV + " the agent was started with");
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_CLAIM_BYTES + 1);
        }
        if (body.length > MAX_CLAIM_BYTES) {
            AgentServer.sendError(exchange, 400, "a claim is at most " + MAX_CLAIM_BYTES + " bytes");
            return;
        }
        Map<String, String> env = environment(body);
        AgentConfig config;
        try {
            config = AgentConfig.parse(env, new String[0], Path.of("").toAbsolutePath()).withCommandEnv(env);
        } catch (AgentConfig.InvalidConfigException | AgentConfig.HelpRequested e) {
            AgentServer.sendError(exchange, 400, "the claim's environment is not usable: " + e.getMessage());
            return;
        }
        if (config.port() != port || !config.host().equals(AgentConfig.DEFAULT_HOST)) {
            AgentServer.sendError(exchange, 400, "the claim is for " + config.host() + ":" + config.port()
                    + " but this agent listens on " + AgentConfig.DEFAULT_HOST + ":" + port);
            return;
        }
        if (!claimed.compareAndSet(false, true)) {
            AgentServer.sendError(exchange, 409, "this agent is already claimed");
            return;
        }
        IdleTimer idle = new IdleTimer(config.waitingTimeoutSeconds());
        AgentServer agent = AgentServer.takeOver(server, config, idle);
        route = agent::handle;
        // the same ready line a freshly started agent logs, and healthy from the engine's first look
        ReferenceAgent.announce(config, agent);
        claim.complete(new Claim(config, idle, agent));
        AgentServer.send(exchange, 200, "{\"status\":\"claimed\"}");
    }

    /** The claim's body: {@code NAME=value} entries separated by NUL, as /proc/PID/environ holds them. */
    static Map<String, String> environment(byte[] body) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(body, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private boolean authorized(HttpExchange exchange) {
        return AgentServer.bearerIs(exchange, key);
    }
}
