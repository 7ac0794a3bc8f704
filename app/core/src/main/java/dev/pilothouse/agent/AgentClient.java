package dev.pilothouse.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import okhttp3.Call;
import okhttp3.ConnectionSpec;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine's side of the agent contract: health checks that prove the agent's identity, and
 * streamed messages over HTTP that can be cancelled and time out.
 */
public final class AgentClient {
    private static final MediaType JSON = MediaType.get("application/json");
    /** The most of a reply that is kept (and stored); the rest still streams to listeners. */
    public static final int MAX_REPLY_CHARS = 1_000_000;
    /** The health check's challenge header; the answer's {@code proof} is HMAC-SHA256(token, challenge) in hex. */
    public static final String CHALLENGE_HEADER = "X-Pilothouse-Challenge";
    private final SecureRandom random = new SecureRandom();

    private final OkHttpClient health;
    private final OkHttpClient messages;

    public AgentClient() {
        OkHttpClient base = loopbackHttp().build();
        this.health = base.newBuilder().callTimeout(Duration.ofSeconds(2)).build();
        // a reply may take as long as the agent's work takes; a dead agent resets the connection
        this.messages = base.newBuilder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ZERO).build();
    }

    /**
     * An HTTP client for agents: they answer on loopback in plain HTTP ({@link AgentEndpoint}), so
     * without TLS (building it loads the JDK's trust store, a sixth of opening the engine on a cold
     * JVM), and a failed request is not silently sent again.
     */
    public static OkHttpClient.Builder loopbackHttp() {
        return new OkHttpClient.Builder().retryOnConnectionFailure(false).connectionSpecs(List.of(ConnectionSpec.CLEARTEXT));
    }

    /** What a health check found. */
    public enum HealthKind {
        /** Nothing accepts connections at the endpoint (yet). */
        DOWN,
        /** Something listens but does not answer 200 yet. */
        NOT_READY,
        /** The agent answered and proved it holds the endpoint's token. */
        HEALTHY,
        /** A process answers the port but is not this agent: it gave no proof, or a wrong one. */
        IMPOSTOR
    }

    /** A health check's outcome; {@code detail} says why for {@link HealthKind#IMPOSTOR}. */
    public record Health(HealthKind kind, String detail) {
        public boolean healthy() {
            return kind == HealthKind.HEALTHY;
        }
    }

    /** True when the agent answers {@code GET /healthz} with 200 and proves its identity. */
    public boolean healthy(AgentEndpoint endpoint) {
        return health(endpoint).healthy();
    }

    /**
     * Asks {@code GET /healthz} with a fresh random challenge: an agent started with a token answers
     * 200 with {@code "proof": hex(HMAC-SHA256(token, challenge))} (docs/agent-contract.md). The
     * token itself is never sent, so whatever process answers the port learns nothing from the check.
     * An endpoint without a token (none was given to the agent) counts any 200 as healthy.
     */
    public Health health(AgentEndpoint endpoint) {
        if (!listening(endpoint)) {
            return new Health(HealthKind.DOWN, null);
        }
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String challenge = HexFormat.of().formatHex(nonce);
        Request request = new Request.Builder().url(endpoint.baseUrl() + "/healthz").header(CHALLENGE_HEADER, challenge)
                .get().build();
        String body;
        try (Response response = health.newCall(request).execute()) {
            if (response.code() != 200) {
                return new Health(HealthKind.NOT_READY, null);
            }
            body = response.body().string();
        } catch (IOException e) {
            return new Health(HealthKind.NOT_READY, null);
        }
        if (endpoint.token() == null) {
            return new Health(HealthKind.HEALTHY, null);
        }
        String proof = null;
        String agent = null;
        String session = null;
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.isObject()) {
                proof = n.hasNonNull("proof") ? n.get("proof").asText() : null;
                agent = n.hasNonNull("agent") ? n.get("agent").asText() : null;
                session = n.hasNonNull("session_id") ? n.get("session_id").asText() : null;
            }
        } catch (IOException e) {
            // not JSON: no proof
        }
        String port = Integer.toString(okhttp3.HttpUrl.get(endpoint.baseUrl()).port());
        if (proof == null) {
            return new Health(HealthKind.IMPOSTOR, "port " + port + " is answered by another process: its /healthz "
                    + "answer carries no proof of the agent's token" + (agent == null ? "" : " (it says it is agent '"
                    + agent + "'" + (session == null ? "" : " of session " + session) + ")")
                    + "; agents prove their identity as docs/agent-contract.md describes");
        }
        byte[] expected = hmac(endpoint.token(), challenge).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, proof.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return new Health(HealthKind.IMPOSTOR, "port " + port + " is answered by another process: it holds another "
                    + "token" + (agent == null ? "" : " (it says it is agent '" + agent + "'"
                    + (session == null ? "" : " of session " + session) + ")"));
        }
        return new Health(HealthKind.HEALTHY, null);
    }

    /** hex(HMAC-SHA256(key = token, message = challenge)), both UTF-8: the health check's proof. */
    public static String hmac(String token, String challenge) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Whether anything accepts connections at the endpoint: a refused plain connect costs a tiny
     * fraction of a refused HTTP call, and a starting agent is polled many times.
     */
    private static boolean listening(AgentEndpoint endpoint) {
        okhttp3.HttpUrl url = okhttp3.HttpUrl.get(endpoint.baseUrl());
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open()) {
            ch.connect(new java.net.InetSocketAddress(url.host(), url.port()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The reply as stored: its text (at most {@link #MAX_REPLY_CHARS}), the error that ended it,
     * if any, and how many characters of text arrived in all.
     */
    public record Reply(String content, String error, Integer exitCode, long receivedChars) {
        public Reply(String content, String error, Integer exitCode) {
            this(content, error, exitCode, content.length());
        }

        public boolean failed() {
            return error != null;
        }

        /** More text arrived than {@link #content()} keeps. */
        public boolean truncated() {
            return receivedChars > content.length();
        }
    }

    /**
     * One message's HTTP exchange, which another thread may cancel: the call is aborted at once and
     * the sending thread gets {@link ReplyCancelledException}. Holds the reply text received so far.
     */
    public static final class Exchange {
        private final StringBuilder text = new StringBuilder();
        private long received;
        private volatile Call call;
        private volatile boolean cancelled;
        private volatile boolean taken;
        private volatile boolean refusedBusy;

        /** Aborts the exchange (before it starts, or while the reply streams). */
        public void cancel() {
            cancelled = true;
            Call c = call;
            if (c != null) {
                c.cancel();
            }
        }

        public boolean cancelled() {
            return cancelled;
        }

        /** The agent took the message (answered 200): from then on it works on it, whatever becomes of the connection. */
        public boolean taken() {
            return taken;
        }

        /**
         * The last attempt was refused with {@code 409}: the agent is busy with another message and
         * took nothing of this one, so sending it again is safe.
         */
        public boolean refusedBusy() {
            return refusedBusy;
        }

        /** The reply text received so far. */
        public synchronized String partial() {
            return text.toString();
        }

        /** How many characters of reply text arrived in all, kept or not. */
        public synchronized long received() {
            return received;
        }

        synchronized void append(String s) {
            received += s.length();
            if (text.length() < MAX_REPLY_CHARS) {
                text.append(s, 0, Math.min(s.length(), MAX_REPLY_CHARS - text.length()));
            }
        }

        void started(Call c) {
            call = c;
            if (cancelled) {
                c.cancel();
            }
        }
    }

    /**
     * Sends one message and streams the reply's events to {@code onEvent} as they arrive.
     *
     * @throws PartialReplyException when the agent cannot be reached or the connection breaks
     *                               mid-reply; it holds the text received so far
     */
    public Reply send(AgentEndpoint endpoint, String messageId, String sessionId, String content,
                      Consumer<AgentEvent> onEvent) throws PartialReplyException {
        try {
            return send(endpoint, messageId, sessionId, content, null, new Exchange(), onEvent);
        } catch (ReplyTimeoutException | ReplyCancelledException e) {
            throw new IllegalStateException("a reply without a time limit that nobody can cancel ended early", e);
        }
    }

    /**
     * Sends one message and streams the reply's events to {@code onEvent} as they arrive, within
     * {@code timeout} (null: no limit) for the whole exchange; {@code exchange} lets another thread
     * cancel it.
     *
     * @throws PartialReplyException   the agent cannot be reached or the connection broke mid-reply
     * @throws ReplyTimeoutException   no complete reply within {@code timeout}; the call was aborted
     * @throws ReplyCancelledException {@link Exchange#cancel()} was called; the call was aborted
     */
    public Reply send(AgentEndpoint endpoint, String messageId, String sessionId, String content, Duration timeout,
                      Exchange exchange, Consumer<AgentEvent> onEvent)
            throws PartialReplyException, ReplyTimeoutException, ReplyCancelledException {
        ObjectNode body = Json.object().put("id", messageId).put("session_id", sessionId).put("content", content);
        Request.Builder request = new Request.Builder().url(endpoint.baseUrl() + "/v0/messages")
                .post(RequestBody.create(Json.compact(body), JSON));
        if (endpoint.token() != null) {
            request.header("Authorization", "Bearer " + endpoint.token());
        }
        Call call = messages.newCall(request.build());
        if (timeout != null) {
            call.timeout().timeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        }
        exchange.started(call);
        exchange.refusedBusy = false;
        long t0 = System.nanoTime();
        try (Response response = call.execute()) {
            exchange.refusedBusy = response.code() == 409;
            exchange.taken = response.code() == 200;
            if (response.code() != 200) {
                String detail = response.body().string();
                return new Reply("", "agent answered HTTP " + response.code() + ": " + clip(errorText(detail), 500), null);
            }
            BufferedSource source = response.body().source();
            String line;
            while ((line = source.readUtf8Line()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                AgentEvent event = parse(line);
                if (event == null) {
                    return new Reply(exchange.partial(), "agent sent a line that is not a contract event: " + clip(line, 200), null, exchange.received());
                }
                if (event.carriesReplyText()) {
                    exchange.append(event.text());
                }
                onEvent.accept(event);
                if (event.type() == AgentEvent.Type.DONE) {
                    return new Reply(exchange.partial(), null, event.exitCode(), exchange.received());
                }
                if (event.type() == AgentEvent.Type.ERROR) {
                    return new Reply(exchange.partial(), event.text(), null, exchange.received());
                }
            }
            return new Reply(exchange.partial(), "the agent's reply ended without a done or error event", null, exchange.received());
        } catch (IOException e) {
            if (exchange.cancelled()) {
                throw new ReplyCancelledException(exchange.partial());
            }
            if (timeout != null && (e instanceof InterruptedIOException && "timeout".equals(e.getMessage())
                    || System.nanoTime() - t0 >= timeout.toNanos())) {
                throw new ReplyTimeoutException(timeout, exchange.partial());
            }
            throw new PartialReplyException(e, exchange.partial());
        }
    }

    /** The connection failed; {@link #partial()} is what arrived before it did. */
    public static final class PartialReplyException extends Exception {
        private final String partial;

        PartialReplyException(IOException cause, String partial) {
            super(words(cause), cause);
            this.partial = partial;
        }

        /** What broke, in words: never only an exception's class name (an EOFException has no message). */
        static String words(IOException e) {
            String detail = e.getMessage() == null || e.getMessage().isBlank() ? null : e.getMessage();
            if (e instanceof java.io.EOFException || detail != null && detail.startsWith("unexpected end of stream")) {
                return "the agent closed the connection before its reply was complete"
                        + (detail != null && !detail.startsWith("unexpected end of stream") ? " (" + detail + ")" : "");
            }
            if (e instanceof java.net.ConnectException) {
                return "the agent could not be reached" + (detail != null ? " (" + detail + ")" : "");
            }
            if (detail != null) {
                return detail;
            }
            return "the connection broke without saying why";
        }

        public String partial() {
            return partial;
        }
    }

    /** No complete reply came within the time limit; the call was aborted. */
    public static final class ReplyTimeoutException extends Exception {
        private final Duration limit;
        private final String partial;

        ReplyTimeoutException(Duration limit, String partial) {
            super("no complete reply within " + limit.toSeconds() + " s");
            this.limit = limit;
            this.partial = partial;
        }

        public Duration limit() {
            return limit;
        }

        public String partial() {
            return partial;
        }
    }

    /** The exchange was cancelled from another thread; the call was aborted. */
    public static final class ReplyCancelledException extends Exception {
        private final String partial;

        ReplyCancelledException(String partial) {
            super("the reply was cancelled");
            this.partial = partial;
        }

        public String partial() {
            return partial;
        }
    }

    static AgentEvent parse(String line) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n == null || !n.isObject()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "delta" -> AgentEvent.delta(n.path("text").asText(""));
            case "tool_output" -> AgentEvent.toolOutput(n.path("stream").asText("stdout"), n.path("text").asText(""));
            case "done" -> new AgentEvent(AgentEvent.Type.DONE, null, null,
                    n.hasNonNull("exit_code") ? n.get("exit_code").asInt() : null,
                    tokens(n.path("usage").get("input_tokens")), tokens(n.path("usage").get("output_tokens")));
            case "error" -> new AgentEvent(AgentEvent.Type.ERROR, n.path("message").asText("unknown error"), null, null);
            default -> null;
        };
    }

    private static String errorText(String body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (IOException ignored) {
            // not JSON: show it as it is
        }
        return body;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** A token count as an agent reported it; anything but a whole number of at least 0 is ignored. */
    private static Long tokens(com.fasterxml.jackson.databind.JsonNode n) {
        return n != null && n.canConvertToLong() && n.isIntegralNumber() && n.asLong() >= 0 ? n.asLong() : null;
    }
}
