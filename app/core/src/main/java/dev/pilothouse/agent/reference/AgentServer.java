package dev.pilothouse.agent.reference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP side of the agent contract: {@code GET /healthz} and {@code POST /v0/messages}, one
 * message at a time. Requests are checked here (token, method, body) before a message reaches the
 * {@link Conversation}. Each exchange runs on its own thread, so a second message can be refused
 * while the first one is still streaming.
 *
 * <p>This class stays free of Jackson, and the conversation is created on first use: the agent is
 * started for every session, and the first health check should not wait for JSON machinery. The
 * fixed-shape bodies it sends are written by {@link #quote}.
 */
final class AgentServer implements AutoCloseable {
    static {
        // The JDK's server leaves Nagle's algorithm on unless this is set before its first server: it
        // writes a response's headers and body apart, so the body waited for the client's delayed ACK
        // (40 ms on Linux) — on every health check and message (docs/performance.md, "Create → READY")
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** Bigger request bodies are refused; Pilothouse itself sends at most 64 Ki characters. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    /** The engine's health-check challenge (docs/agent-contract.md, "Proving who answers"). */
    static final String CHALLENGE_HEADER = "X-Pilothouse-Challenge";

    /** Set once the ready line is logged; until then /healthz answers 503 (starting). */
    private volatile boolean ready;
    private final AgentConfig config;
    private final IdleTimer idle;
    private final String healthBody;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final byte[] token;
    private final HttpServer server;
    private final ExecutorService threads;
    /** Created on first use; guarded by {@code this}. */
    private Conversation conversation;
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();

    private AgentServer(AgentConfig config, IdleTimer idle, HttpServer server, ExecutorService threads) {
        this.config = config;
        this.idle = idle;
        this.healthBody = "{\"status\":\"ok\",\"agent\":" + quote(config.name()) + "}";
        this.token = config.token() == null ? null : config.token().getBytes(StandardCharsets.UTF_8);
        this.server = server;
        this.threads = threads;
        if (token != null) {
            // the first proof loads the JDK's HMAC (tens of ms cold): done beside binding and the
            // ready line, not while the engine's first health check waits for it
            daemon("agent-proof-warm-up", () -> proof("warm-up")).start();
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Binds and starts serving; returns once the socket accepts connections. */
    static AgentServer start(AgentConfig config, IdleTimer idle) throws IOException {
        HttpServer server = bind(config.host(), config.port());
        AgentServer agent = new AgentServer(config, idle, server, (ExecutorService) server.getExecutor());
        server.createContext("/", agent::handle);
        server.start();
        return agent;
    }

    /** An HTTP server bound to host:port, its exchanges each on a daemon thread, not yet started. */
    static HttpServer bind(String host, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "agent-http");
            t.setDaemon(true);
            return t;
        }));
        return server;
    }

    /**
     * Serves {@code config}'s session on a server a pooled agent bound before its session was known
     * ({@link PooledStart}); the caller routes the server's exchanges to {@link #handle}.
     */
    static AgentServer takeOver(HttpServer server, AgentConfig config, IdleTimer idle) {
        return new AgentServer(config, idle, server, (ExecutorService) server.getExecutor());
    }

    /** The bound port (the one chosen when the configuration asked for port 0). */
    int port() {
        return server.getAddress().getPort();
    }

    /** Stops taking requests and kills a running command. */
    @Override
    public void close() {
        server.stop(0);
        synchronized (this) {
            if (conversation != null) {
                conversation.stop();
            }
        }
        threads.shutdownNow();
    }

    /** From now on {@code /healthz} says healthy: call once the agent has said it is ready in its log. */
    void markReady() {
        ready = true;
    }

    /**
     * Answers one {@code GET /healthz} to itself over loopback, so the first request from the
     * engine finds the HTTP path loaded and the ready line means "can answer", not just "bound".
     */
    void answerFirstHealthCheck(String host) {
        String target = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        try (java.net.Socket s = new java.net.Socket(target, port())) {
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        } catch (java.io.IOException e) {
            AgentLog.warn("self health check failed: " + e.getMessage());
        }
    }

    /**
     * Loads what answering a message needs on a background thread, once the engine has found the
     * agent healthy: the first message then need not wait for it, and the health check that makes
     * the session READY does not share the CPU with it.
     */
    void warmUp() {
        if (!warmedUp.compareAndSet(false, true)) {
            return;
        }
        Thread t = daemon("agent-warm-up", () -> {
            conversation();
            try {
                MessageRequest.parse("{\"content\":\"warm-up\"}".getBytes(StandardCharsets.UTF_8));
            } catch (MessageRequest.InvalidRequestException e) {
                throw new IllegalStateException(e);
            }
        });
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** Creates the conversation, and with it loads what answering a message needs. */
    synchronized Conversation conversation() {
        if (conversation == null) {
            conversation = new Conversation(config);
        }
        return conversation;
    }

    void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/healthz" -> health(exchange);
                case "/v0/messages" -> message(exchange);
                default -> sendError(exchange, 404, "no endpoint " + path
                        + "; this agent serves GET /healthz and POST /v0/messages");
            }
        } catch (IOException e) {
            AgentLog.warn("request failed: " + e);
        } catch (RuntimeException e) {
            AgentLog.warn("request failed: " + e);
            e.printStackTrace();
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            sendError(exchange, 400, "use GET /healthz");
            return;
        }
        String challenge = exchange.getRequestHeaders().getFirst(CHALLENGE_HEADER);
        if (challenge != null && challenge.length() > 256) {
            sendError(exchange, 400, "the " + CHALLENGE_HEADER + " header is longer than 256 characters");
            return;
        }
        if (!ready) {
            // bound, but its ready line is not in its log yet: an engine that saw it healthy would show a log without it
            send(exchange, 503, "{\"status\":\"starting\"}");
            return;
        }
        if (token == null || challenge == null || challenge.isBlank()) {
            send(exchange, 200, healthBody);
        } else {
            // the identity proof: only an agent holding this session's token can compute it
            send(exchange, 200, "{\"status\":\"ok\",\"agent\":" + quote(config.name()) + ",\"session_id\":"
                    + (config.sessionId() == null ? "null" : quote(config.sessionId())) + ",\"proof\":"
                    + quote(proof(challenge.strip())) + "}");
        }
        // found healthy: now load what a message needs, no longer competing with the check for the CPU
        warmUp();
    }

    /** hex(HMAC-SHA256(key = the agent's token, message = the challenge)). */
    private String proof(String challenge) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(token, "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private void message(HttpExchange exchange) throws IOException {
        if (token != null && !authorized(exchange)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            sendError(exchange, 401, "missing or wrong bearer token: send Authorization: Bearer <PILOTHOUSE_AGENT_TOKEN>");
            return;
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            sendError(exchange, 400, "use POST /v0/messages with a JSON body {\"id\": \"…\", \"content\": \"…\"}");
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            sendError(exchange, 400, "request body is larger than " + MAX_BODY_BYTES + " bytes");
            return;
        }
        MessageRequest request;
        try {
            request = MessageRequest.parse(body);
        } catch (MessageRequest.InvalidRequestException e) {
            sendError(exchange, 400, e.getMessage());
            return;
        }
        if (!busy.compareAndSet(false, true)) {
            sendError(exchange, 409, "another message is still being processed; send one message at a time");
            return;
        }
        try {
            if (!idle.messageStarted()) {
                sendError(exchange, 503, "the agent is exiting: its waiting timeout passed");
                return;
            }
            try {
                stream(exchange, request.id(), request.content());
            } finally {
                idle.messageFinished();
            }
        } finally {
            busy.set(false);
        }
    }

    private void stream(HttpExchange exchange, String id, String content) throws IOException {
        long start = System.nanoTime();
        String kind = Conversation.isCommand(content) ? "command" : config.llmConfigured() ? "chat" : "chat, no model";
        AgentLog.info("message " + id + " received (" + content.length() + " characters, " + kind + ")");
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        EventStream events = new EventStream(out, id);
        try {
            conversation().reply(content, events);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            events.error("the agent is stopping");
        } catch (RuntimeException e) {
            AgentLog.warn("reply to message " + id + " failed: " + e);
            e.printStackTrace();
            events.error("the reference agent failed: " + e);
        }
        AgentLog.info("reply to message " + id + " finished in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                + " ms: " + events.outcome());
    }

    private boolean authorized(HttpExchange exchange) {
        return bearerIs(exchange, token);
    }

    /** Whether the request's {@code Authorization: Bearer} value is {@code secret}, compared in constant time. */
    static boolean bearerIs(HttpExchange exchange, byte[] secret) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return false;
        }
        byte[] given = header.substring(prefix.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(secret, given);
    }

    static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, "{\"error\":" + quote(message) + "}");
    }

    /** A JSON string literal. */
    static String quote(String text) {
        StringBuilder s = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }

    static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
