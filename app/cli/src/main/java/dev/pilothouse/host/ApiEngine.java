package dev.pilothouse.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.batch.BatchJson;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.EngineOperations;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.engine.TemplateUse;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.engine.WorkspaceOperations;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.DuplicateException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.metrics.MetricsJson;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.session.TraceJson;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.template.StoredTemplate;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine of {@code pilothouse serve}, reached over its REST API: what the console works
 * through when {@code serve} owns the data dir. Session changes come from the watch stream (each
 * change read back whole), replies to this console's own messages stream as they arrive; errors
 * come back as the engine's own exceptions, with the server's words.
 */
public final class ApiEngine implements EngineOperations {
    private static final Logger log = LoggerFactory.getLogger(ApiEngine.class);
    private static final MediaType JSON = MediaType.get("application/json");
    private static final MediaType YAML = MediaType.get("application/yaml");
    private static final String NDJSON = "application/x-ndjson";
    /** The API's largest page. */
    private static final int PAGE = 1000;
    /** How long to wait before watching again after the stream broke. */
    private static final Duration REWATCH = Duration.ofSeconds(1);

    private final OkHttpClient http;
    private final OkHttpClient streams;
    private final HttpUrl base;
    private final String token;
    private final Runnable onClose;
    private final List<Consumer<EngineEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Call> open = new CopyOnWriteArrayList<>();
    private volatile String context;
    private volatile Thread watcher;
    private volatile boolean closed;

    /**
     * @param url     the server's address, e.g. {@code http://127.0.0.1:7780}
     * @param onClose run once when this is closed (e.g. revoking the token made for it)
     */
    public ApiEngine(String url, String token, Runnable onClose) {
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new InvalidInputException("'" + url + "' is not an http(s) address of pilothouse serve");
        }
        this.base = parsed;
        this.token = token;
        this.onClose = onClose;
        this.http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofMinutes(10))
                .callTimeout(Duration.ZERO).build();
        // streams wait as long as a reply or a log takes; the server sends keep-alives
        this.streams = http.newBuilder().readTimeout(Duration.ZERO).build();
        this.context = get(url("contexts")).path("default").asText(Engine.LOCAL_CONTEXT);
    }

    /** Where it is served, for people. */
    public String url() {
        String u = base.toString();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    @Override
    public String via() {
        return "through pilothouse serve at " + url();
    }

    // ---- contexts ------------------------------------------------------------------------

    @Override
    public String context() {
        return context;
    }

    @Override
    public void useContext(String wanted) {
        List<String> known = contexts();
        if (!known.contains(wanted)) {
            throw new InvalidInputException("unknown context '" + wanted + "'; accepted: " + String.join(", ", known));
        }
        get(url("sessions").addQueryParameter("context", wanted).addQueryParameter("limit", "1")); // opens it there
        context = wanted;
    }

    @Override
    public String namespace() {
        for (JsonNode c : get(url("contexts")).path("items")) {
            if (c.path("name").asText().equals(context)) {
                return c.path("namespace").asText(null);
            }
        }
        return null;
    }

    @Override
    public List<String> contexts() {
        List<String> out = new ArrayList<>();
        get(url("contexts")).path("items").forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    @Override
    public ConnectionStatus connection(String ctx) {
        for (JsonNode c : get(url("contexts")).path("items")) {
            if (c.path("name").asText().equals(ctx)) {
                JsonNode n = c.path("connection");
                List<String> missing = new ArrayList<>();
                n.path("missing").forEach(m -> missing.add(m.asText()));
                return new ConnectionStatus(ConnectionStatus.State.valueOf(n.path("state").asText("CHECKING")),
                        text(n, "reason"), missing, n.hasNonNull("checked_at") ? Instant.parse(n.get("checked_at").asText()) : null);
            }
        }
        throw new InvalidInputException("unknown context '" + ctx + "'; accepted: " + String.join(", ", contexts()));
    }

    // ---- changes -------------------------------------------------------------------------

    @Override
    public Runnable subscribe(Consumer<EngineEvent> listener) {
        listeners.add(listener);
        synchronized (this) {
            if (watcher == null && !closed) {
                watcher = new Thread(this::watch, "api-watch " + base.host() + ":" + base.port());
                watcher.setDaemon(true);
                watcher.start();
            }
        }
        listener.accept(new EngineEvent.Notice(null, "Working through pilothouse serve at " + url()
                + ", which owns this data dir: changes show as serve reports them"));
        return () -> listeners.remove(listener);
    }

    /** Follows the watch stream until closed; a break is said once and the watch taken up where it stopped. */
    private void watch() {
        long since = -1;
        boolean lost = false;
        while (!closed) {
            HttpUrl.Builder u = url("watch");
            if (since >= 0) {
                u.addQueryParameter("since", Long.toString(since));
            }
            Call call = streams.newCall(request(u.build()).header("Accept", NDJSON).build());
            open.add(call);
            try (Response r = call.execute()) {
                check(r);
                if (lost) {
                    deliver(new EngineEvent.Notice(null, "connected to pilothouse serve at " + url() + " again"));
                    lost = false;
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8));
                for (String line = in.readLine(); line != null && !closed; line = in.readLine()) {
                    if (line.isBlank()) {
                        continue; // keep-alive
                    }
                    JsonNode ev = Json.parse(line);
                    if (ev.path("event").asText().equals("change")) {
                        since = ev.path("id").asLong(since);
                        changed(ev.path("data").path("id").asText());
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!closed && !lost) {
                    lost = true;
                    deliver(new EngineEvent.Notice(null, "lost the connection to pilothouse serve at " + url() + " ("
                            + e.getMessage() + "); trying again every " + REWATCH.toSeconds() + " s"));
                }
            } finally {
                open.remove(call);
            }
            if (!closed) {
                pause(REWATCH);
            }
        }
    }

    private void changed(String id) {
        try {
            deliver(new EngineEvent.SessionChanged(session(id)));
        } catch (NotFoundException gone) {
            // purged meanwhile: nothing to show
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("could not read changed session {}: {}", id, e.toString());
            }
        }
    }

    private void deliver(EngineEvent e) {
        for (Consumer<EngineEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                log.error("listener failed on {}", e, ex);
            }
        }
    }

    // ---- reading -------------------------------------------------------------------------

    @Override
    public List<Session> sessions(boolean includeDeleted) {
        List<Session> out = new ArrayList<>();
        String cont = null;
        do {
            HttpUrl.Builder u = url("sessions").addQueryParameter("context", context)
                    .addQueryParameter("deleted", Boolean.toString(includeDeleted)).addQueryParameter("limit", "" + PAGE);
            if (cont != null) {
                u.addQueryParameter("continue", cont);
            }
            JsonNode page = get(u);
            page.path("items").forEach(s -> out.add(SessionJson.session(s)));
            cont = text(page, "continue");
        } while (cont != null);
        return out;
    }

    @Override
    public Session session(String ref) {
        return SessionJson.session(get(sessionUrl(ref)));
    }

    @Override
    public List<Message> messages(String ref, long afterId, Long beforeId, int limit) {
        List<Message> out = new ArrayList<>();
        long after = afterId;
        while (out.size() < limit) {
            int n = Math.min(PAGE, limit - out.size());
            HttpUrl.Builder u = sessionUrl(ref).addPathSegment("messages").addQueryParameter("after", Long.toString(after))
                    .addQueryParameter("limit", Integer.toString(n));
            if (beforeId != null) {
                u.addQueryParameter("before", Long.toString(beforeId));
            }
            List<Message> page = new ArrayList<>();
            get(u).path("items").forEach(m -> page.add(SessionJson.message(m)));
            out.addAll(page);
            if (page.size() < n || beforeId != null) {
                break; // an earlier page (before) is one request, as the engine reads it
            }
            after = page.get(page.size() - 1).id();
        }
        return out;
    }

    @Override
    public List<AuditEvent> events(String ref, long afterId, int limit) {
        List<AuditEvent> out = new ArrayList<>();
        long after = afterId;
        while (out.size() < limit) {
            int n = Math.min(PAGE, limit - out.size());
            JsonNode page = get(sessionUrl(ref).addPathSegment("events").addQueryParameter("after", Long.toString(after))
                    .addQueryParameter("limit", Integer.toString(n)));
            page.path("items").forEach(e -> out.add(SessionJson.event(e)));
            if (page.path("items").size() < n) {
                break;
            }
            after = page.path("next_after").asLong();
        }
        return out;
    }

    @Override
    public LogSubscription logs(String ref, String agent, LogOptions options, Consumer<List<LogLine>> sink) {
        HttpUrl.Builder u = sessionUrl(ref).addPathSegment("logs").addQueryParameter("follow", Boolean.toString(options.follow()))
                .addQueryParameter("previous", Boolean.toString(options.previous()));
        if (options.tail() >= 0) {
            u.addQueryParameter("tail", Integer.toString(options.tail()));
        }
        if (agent != null) {
            u.addQueryParameter("agent", agent);
        }
        Call call = streams.newCall(request(u.build()).header("Accept", NDJSON).build());
        Response r;
        try {
            r = call.execute();
            check(r); // a refusal (no such agent, purged) is thrown here, as the engine does
        } catch (IOException e) {
            throw unreachable(e);
        }
        CompletableFuture<String> ended = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (r; BufferedReader in = new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode ev = Json.parse(line);
                    JsonNode d = ev.path("data");
                    switch (ev.path("event").asText()) {
                        case "line" -> sink.accept(List.of(new LogLine(
                                d.hasNonNull("time") ? Instant.parse(d.get("time").asText()) : null, d.path("text").asText(""))));
                        case "end" -> ended.complete(d.path("reason").asText("the log ended"));
                        default -> { }
                    }
                }
                if (options.follow()) {
                    ended.complete("the server ended the log stream");
                }
            } catch (IOException | RuntimeException e) {
                if (!call.isCanceled()) {
                    ended.complete("the log stream broke: " + e.getMessage());
                }
            }
        }, "api-logs " + ref);
        reader.setDaemon(true);
        reader.start();
        return new LogSubscription() {
            @Override
            public void close() {
                call.cancel();
            }

            @Override
            public CompletionStage<String> ended() {
                return ended;
            }

            /**
             * The server drains its side before it ends the stream: its end is what is waited for,
             * a second longer than the server's own wait, for the way back.
             */
            @Override
            public void drain(java.time.Duration max) throws InterruptedException {
                try {
                    ended.get(max.plusSeconds(1).toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // bounded on purpose, as the server's own wait
                }
            }
        };
    }

    @Override
    public String startProgress(Session s) {
        return s.state() != SessionState.INIT ? null : text(get(sessionUrl(s.id())), "progress");
    }

    @Override
    public String volumeLocation(Session s) {
        String v = text(get(sessionUrl(s.id())), "volume");
        if (v == null) {
            throw new OperationFailedException("pilothouse serve at " + url() + " cannot say where the volume of '"
                    + s.name() + "' is now");
        }
        return v;
    }

    @Override
    public List<TraceEvent> trace(String ref, long replyId) {
        List<TraceEvent> out = new ArrayList<>();
        get(sessionUrl(ref).addPathSegment("messages").addPathSegment(Long.toString(replyId)).addPathSegment("trace"))
                .path("items").forEach(e -> out.add(TraceJson.eventFrom(replyId, e)));
        return out;
    }

    @Override
    public List<TimelineEntry> timeline(String ref) {
        List<TimelineEntry> out = new ArrayList<>();
        get(sessionUrl(ref).addPathSegment("timeline"))
                .path("items").forEach(e -> out.add(TraceJson.entryFrom(e)));
        return out;
    }

    @Override
    public List<TopRow> top() {
        List<TopRow> out = new ArrayList<>();
        get(url("metrics").addQueryParameter("context", context)).path("items").forEach(r -> out.add(MetricsJson.topFrom(r)));
        return out;
    }

    /** The latest readings only ({@code GET /api/v0/metrics/readings}): the console polls them every 5 s. */
    @Override
    public java.util.Map<String, dev.pilothouse.metrics.Current> readings() {
        java.util.Map<String, dev.pilothouse.metrics.Current> out = new java.util.HashMap<>();
        get(url("metrics").addPathSegment("readings").addQueryParameter("context", context)).path("items").forEach(i ->
                out.put(i.path("session_id").asText(), MetricsJson.currentFrom(i.path("current"))));
        return out;
    }

    @Override
    public SessionMetrics metrics(String ref, java.time.Duration span) {
        return MetricsJson.sessionFrom(get(sessionUrl(ref).addPathSegment("metrics")
                .addQueryParameter("since", span.toSeconds() + "s")));
    }

    OkHttpClient http() {
        return http;
    }

    @Override
    public WorkspaceOperations workspaces() {
        return new ApiWorkspaces(this);
    }

    // ---- bundles -------------------------------------------------------------------------

    /**
     * Streams {@code GET …/export} into {@code out}. A stream that breaks off is said as such (the
     * bytes written so far are not a bundle); a failure to write {@code out} is the caller's own.
     */
    @Override
    public void exportBundle(String ref, boolean withWorkspace, java.io.OutputStream out) {
        HttpUrl u = sessionUrl(ref).addPathSegment("export").addQueryParameter("workspace", Boolean.toString(withWorkspace))
                .build();
        Response r;
        try {
            r = http.newCall(request(u).build()).execute();
        } catch (IOException e) {
            throw unreachable(e);
        }
        try (r) {
            check(r);
            java.io.InputStream in = r.body().byteStream();
            byte[] buffer = new byte[64 * 1024];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw new OperationFailedException("the bundle from pilothouse serve at " + url()
                            + " broke off before its end (" + e.getMessage() + "); export again", e);
                }
                if (n < 0) {
                    return;
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code POST /api/v0/sessions/import}, the bundle streamed as the body: it may be larger than memory. */
    @Override
    public Session importBundle(java.io.InputStream in, String name) {
        HttpUrl.Builder u = url("sessions").addPathSegment("import").addQueryParameter("context", context);
        if (name != null) {
            u.addQueryParameter("name", name);
        }
        Request req = request(u.build()).header("Accept", "application/json")
                .post(ApiWorkspaces.streamed(in, MediaType.get("application/gzip"))).build();
        try (Response r = http.newCall(req).execute()) {
            check(r);
            return SessionJson.session(Json.parse(r.body().string()));
        } catch (IOException e) {
            throw unreachable(e);
        } catch (java.io.UncheckedIOException e) {
            throw unreachable(e.getCause());
        }
    }

    // ---- batches -------------------------------------------------------------------------

    @Override
    public List<BatchSummary> batches() {
        List<BatchSummary> out = new ArrayList<>();
        get(url("batches")).path("items").forEach(b -> out.add(BatchJson.summaryFrom(b)));
        return out;
    }

    @Override
    public BatchSummary batch(String id) {
        return BatchJson.summaryFrom(get(url("batches").addPathSegment(id)));
    }

    @Override
    public List<BatchRow> batchRows(String id) {
        List<BatchRow> out = new ArrayList<>();
        get(url("batches").addPathSegment(id)).path("rows").forEach(r -> out.add(BatchJson.rowFrom(id, r)));
        return out;
    }

    @Override
    public BatchSummary cancelBatch(String id) {
        return BatchJson.summaryFrom(call("POST", url("batches").addPathSegment(id).addPathSegment("cancel").build(),
                Json.object(), null));
    }

    @Override
    public BatchSummary resumeBatch(String id) {
        return BatchJson.summaryFrom(call("POST", url("batches").addPathSegment(id).addPathSegment("resume").build(),
                Json.object(), null));
    }

    // ---- agents --------------------------------------------------------------------------

    @Override
    public List<AgentDefinition> agents(boolean includeDeleted) {
        List<AgentDefinition> out = new ArrayList<>();
        JsonNode list = get(url("agents").addQueryParameter("deleted", Boolean.toString(includeDeleted)));
        (list.isArray() ? list : list.path("items")).forEach(a -> out.add(AgentJson.fromJson(a)));
        return out;
    }

    @Override
    public AgentDefinition createAgent(AgentDefinition draft) {
        return AgentJson.fromJson(call("POST", url("agents").build(), input(draft), null));
    }

    @Override
    public AgentDefinition updateAgent(String name, AgentDefinition edited) {
        return AgentJson.fromJson(call("PUT", url("agents").addPathSegment(name).build(), input(edited), null));
    }

    @Override
    public AgentDefinition deleteAgent(String name) {
        return AgentJson.fromJson(call("DELETE", url("agents").addPathSegment(name).build(), null, null));
    }

    private static ObjectNode input(AgentDefinition a) {
        ObjectNode n = AgentJson.toJson(a);
        AgentJson.READ_ONLY_FIELDS.forEach(n::remove);
        return n;
    }

    // ---- writing -------------------------------------------------------------------------

    @Override
    public Engine.Started create(CreateRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply) {
        ObjectNode b = Json.object().put("name", r.name()).put("context", r.context() != null ? r.context() : context)
                .put("namespace", r.namespace()).put("starting_prompt", r.startingPrompt());
        if (r.agents() != null) {
            b.set("agents", Json.MAPPER.valueToTree(r.agents()));
        }
        if (r.guardrails() != null && !r.guardrails().isEmpty()) {
            b.set("guardrails", Json.MAPPER.valueToTree(r.guardrails()));
        }
        common(b, r.waitingTimeoutSeconds(), r.ttlSeconds(), r.metadata(), r.resources());
        return started(url("sessions"), b, onCreated);
    }

    @Override
    public Engine.Started remix(String parentRef, RemixRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply) {
        if (r.guardrails() != null) {
            // the API's remix has no guardrails field yet: refused rather than silently inherited
            throw new InvalidInputException("a remix with guardrails of its own cannot be made through pilothouse serve's "
                    + "API yet; remix without them (the parent's are inherited), or use `pilothouse sessions remix "
                    + "--guardrail`", "guardrails");
        }
        ObjectNode b = Json.object().put("name", r.name()).put("starting_prompt", r.startingPrompt())
                .put("copy_workspace", r.copyWorkspace()).put("copy_conversation", r.copyConversation());
        if (r.agents() != null) {
            b.set("agents", Json.MAPPER.valueToTree(r.agents()));
        }
        b.set("additional_agents", Json.MAPPER.valueToTree(r.addAgents()));
        b.set("remove_agents", Json.MAPPER.valueToTree(r.removeAgents()));
        common(b, r.waitingTimeoutSeconds(), r.ttlSeconds(), r.metadata(), r.resources());
        return started(sessionUrl(parentRef).addPathSegment("remix"), b, onCreated);
    }

    private static void common(ObjectNode b, Long waiting, Long ttl, String metadata, dev.pilothouse.session.Resources res) {
        if (waiting != null) {
            b.put("waiting_timeout_seconds", waiting);
        }
        if (ttl != null) {
            b.put("ttl_seconds", ttl);
        }
        if (metadata != null) {
            b.set("metadata", Json.parse(metadata));
        }
        if (res != null) {
            b.set("resources", AgentJson.resources(res));
        }
        b.properties().removeIf(e -> e.getValue().isNull());
    }

    /**
     * Answered once the session has left INIT (READY, or ERROR with its reason). The server sends the
     * starting prompt itself; its reply shows in the conversation as any other.
     */
    private Engine.Started started(HttpUrl.Builder u, ObjectNode body, Consumer<Session> onCreated) {
        Session s = SessionJson.session(call("POST", u.addQueryParameter("wait", "ready").build(), body, null));
        if (onCreated != null) {
            onCreated.accept(s);
        }
        return new Engine.Started(s, null);
    }

    // ---- templates -----------------------------------------------------------------------

    @Override
    public List<StoredTemplate> templates() {
        List<StoredTemplate> out = new ArrayList<>();
        get(url("templates")).path("items").forEach(t -> out.add(template(t)));
        return out;
    }

    @Override
    public StoredTemplate template(String name, Integer version) {
        HttpUrl.Builder u = url("templates").addPathSegment(name);
        if (version != null) {
            u.addQueryParameter("version", version.toString());
        }
        return template(get(u));
    }

    /** Sent as YAML, so that the server stores the very text the operator saw. */
    @Override
    public Engine.AppliedTemplate applyTemplate(String yaml) {
        Request req = request(url("templates").build()).header("Accept", "application/json")
                .post(RequestBody.create(yaml, YAML)).build();
        try (Response r = http.newCall(req).execute()) {
            check(r);
            JsonNode n = Json.parse(r.body().string());
            List<String> missing = new ArrayList<>();
            n.path("missing_agents").forEach(a -> missing.add(a.asText()));
            return new Engine.AppliedTemplate(template(n), missing);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** The server makes the request from the template and lays the given fields over it, as the engine does. */
    @Override
    public Engine.Started createFromTemplate(TemplateUse use, CreateRequest given, Consumer<Session> onCreated,
                                             Consumer<AgentEvent> onReply) {
        CreateRequest g = given == null ? new CreateRequest(null, null, null, null, null, null, null, null, null) : given;
        ObjectNode b = Json.object().put("template", use.name()).put("name", g.name())
                .put("context", g.context() != null ? g.context() : context).put("namespace", g.namespace())
                .put("starting_prompt", g.startingPrompt());
        if (use.version() != null) {
            b.put("template_version", use.version());
        }
        ObjectNode params = b.putObject("parameters");
        use.parameters().forEach(params::put);
        if (g.agents() != null && !g.agents().isEmpty()) {
            b.set("agents", Json.MAPPER.valueToTree(g.agents()));
        }
        if (g.guardrails() != null) {
            b.set("guardrails", Json.MAPPER.valueToTree(g.guardrails()));
        }
        common(b, g.waitingTimeoutSeconds(), g.ttlSeconds(), g.metadata(), g.resources());
        return started(url("sessions"), b, onCreated);
    }

    @Override
    public String templateOf(String ref, String name) {
        return get(sessionUrl(ref).addPathSegment("template").addQueryParameter("name", name)).path("yaml").asText();
    }

    private static StoredTemplate template(JsonNode t) {
        return new StoredTemplate(t.path("name").asText(), t.path("version").asInt(), t.path("yaml").asText(),
                text(t, "created_by"), instant(t, "created_at"), instant(t, "updated_at"), instant(t, "deleted_at"));
    }

    private static Instant instant(JsonNode n, String field) {
        String v = text(n, field);
        return v == null ? null : Instant.parse(v);
    }

    @Override
    public SendResult send(String ref, String agent, String text, Consumer<AgentEvent> onReply) {
        ObjectNode b = Json.object().put("content", text);
        if (agent != null) {
            b.put("agent", agent);
        }
        Call call = streams.newCall(request(sessionUrl(ref).addPathSegment("messages").build())
                .header("Accept", NDJSON).post(RequestBody.create(Json.compact(b), JSON)).build());
        open.add(call);
        try (Response r = call.execute()) {
            check(r);
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8));
            String id = null;
            String to = agent;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode ev = Json.parse(line);
                JsonNode d = ev.path("data");
                if (ev.path("event").asText().equals("done")) {
                    SendResult result = new SendResult(SessionJson.session(d.path("session")),
                            SessionJson.message(d.path("message")), SessionJson.message(d.path("reply")));
                    streamed(result.session().id(), result.reply().agent(), new AgentEvent(AgentEvent.Type.DONE, null, null, null), onReply);
                    return result;
                }
                if (id == null) {
                    Session s = session(ref);
                    id = s.id();
                    to = agent != null ? agent : s.leadAgent().name();
                }
                AgentEvent e = switch (d.path("type").asText()) {
                    case "delta" -> AgentEvent.delta(d.path("text").asText(""));
                    case "tool_output" -> AgentEvent.toolOutput(d.path("stream").asText("stdout"), d.path("text").asText(""));
                    case "error" -> new AgentEvent(AgentEvent.Type.ERROR, d.path("text").asText(""), null, null);
                    default -> null;
                };
                if (e != null) {
                    streamed(id, to, e, onReply);
                }
            }
            throw new OperationFailedException("pilothouse serve at " + url() + " ended the reply before it was done; "
                    + "the conversation shows what was stored");
        } catch (IOException e) {
            throw unreachable(e);
        } finally {
            open.remove(call);
        }
    }

    private void streamed(String id, String agent, AgentEvent e, Consumer<AgentEvent> onReply) {
        deliver(new EngineEvent.ReplyStreamed(id, agent, e));
        if (onReply != null) {
            onReply.accept(e);
        }
    }

    @Override
    public Session pause(String ref) {
        return state(ref, "IDLE");
    }

    @Override
    public Session resume(String ref) {
        return state(ref, "READY");
    }

    @Override
    public Session retry(String ref) {
        return state(ref, "READY");
    }

    private Session state(String ref, String target) {
        return SessionJson.session(call("PUT", sessionUrl(ref).addPathSegment("state").build(),
                Json.object().put("state", target), null));
    }

    @Override
    public Session update(String ref, UpdateRequest u, Long expectedVersion) {
        ObjectNode b = Json.object().put("name", u.name());
        if (u.waitingTimeoutSeconds() != null) {
            b.put("waiting_timeout_seconds", u.waitingTimeoutSeconds());
        }
        if (u.ttlSeconds() != null) {
            b.put("ttl_seconds", u.ttlSeconds());
        }
        Long version = expectedVersion;
        if (u.metadata() != null || !u.setMetadata().isEmpty() || !u.removeMetadata().isEmpty()) {
            // the API replaces metadata whole: keys set or removed are applied to the version they were asked on
            Session now = session(ref);
            ObjectNode meta = (ObjectNode) Json.parse(u.metadata() != null ? u.metadata() : now.metadata());
            u.setMetadata().forEach(meta::put);
            u.removeMetadata().forEach(meta::remove);
            b.set("metadata", meta);
            version = version != null ? version : now.version();
        }
        if (u.resources() != null) {
            ObjectNode r = b.putObject("resources").put("cpu", u.resources().cpu()).put("memory", u.resources().memory());
            r.properties().removeIf(e -> e.getValue().isNull());
        }
        if (u.changesAgents()) {
            u.addAgents().forEach(b.putArray("additional_agents")::add);
            u.removeAgents().forEach(b.putArray("remove_agents")::add);
        }
        b.properties().removeIf(e -> e.getValue().isNull());
        return SessionJson.session(call("PUT", sessionUrl(ref).build(), b, version));
    }

    @Override
    public Session delete(String ref) {
        return SessionJson.session(call("DELETE", sessionUrl(ref).build(), null, null));
    }

    @Override
    public Session purge(String ref) {
        return SessionJson.session(call("POST", sessionUrl(ref).addPathSegment("purge").build(), Json.object(), null));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        open.forEach(Call::cancel);
        if (watcher != null) {
            watcher.interrupt();
        }
        try {
            onClose.run();
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    // ---- HTTP ----------------------------------------------------------------------------

    private HttpUrl.Builder url(String resource) {
        return base.newBuilder().addPathSegments("api/v0").addPathSegment(resource);
    }

    HttpUrl.Builder sessionUrl(String ref) {
        return url("sessions").addPathSegment(ref).addQueryParameter("context", context);
    }

    Request.Builder request(HttpUrl u) {
        return new Request.Builder().url(u).header("Authorization", "Bearer " + token);
    }

    JsonNode get(HttpUrl.Builder u) {
        return call("GET", u.build(), null, null);
    }

    JsonNode call(String method, HttpUrl u, JsonNode body, Long ifMatch) {
        Request.Builder b = request(u).header("Accept", "application/json");
        if (ifMatch != null) {
            b.header("If-Match", "\"" + ifMatch + "\"");
        }
        b.method(method, body == null ? null : RequestBody.create(Json.compact(body), JSON));
        try (Response r = http.newCall(b.build()).execute()) {
            check(r);
            return Json.parse(r.body().string());
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** The server's error answer as the engine's own exception, with its words. */
    void check(Response r) throws IOException {
        if (r.isSuccessful()) {
            return;
        }
        String text = r.body().string();
        JsonNode err;
        try {
            err = Json.parse(text).path("error");
        } catch (RuntimeException notJson) {
            err = Json.object().put("message", "HTTP " + r.code() + " from " + url());
        }
        String message = err.path("message").asText("HTTP " + r.code());
        String field = text(err, "field");
        String code = err.path("code").asText("");
        r.close();
        String retryAfter = r.header("Retry-After");
        throw switch (r.code()) {
            case 422 -> new dev.pilothouse.errors.GuardrailException(dev.pilothouse.errors.GuardrailException.Reason.BLOCKED,
                    "no-pii-exposure", message, null, null);
            case 429 -> code.equals("guardrail_rate_limited") ? new dev.pilothouse.errors.GuardrailException(
                    dev.pilothouse.errors.GuardrailException.Reason.RATE_LIMITED, "rate-limiting", message,
                    null, retryAfter == null ? null : Duration.ofSeconds(Long.parseLong(retryAfter.strip())))
                    : new OperationFailedException(message);
            case 413 -> code.equals("message_too_large") ? new dev.pilothouse.errors.GuardrailException(
                    dev.pilothouse.errors.GuardrailException.Reason.TOO_LARGE, "max-message-size", message, null, null)
                    : new InvalidInputException(message, field);
            case 400, 415 -> new InvalidInputException(message, field);
            case 404 -> new NotFoundException(message);
            case 409 -> code.equals("duplicate") ? new DuplicateException(message)
                    : code.equals("conflict") ? new ConflictException(message) : new WrongStateException(message);
            case 412 -> new ConflictException(message);
            case 401, 403 -> new OperationFailedException("pilothouse serve at " + url() + " refused this console: " + message);
            default -> new OperationFailedException(message);
        };
    }

    OperationFailedException unreachable(IOException e) {
        return new OperationFailedException("cannot reach pilothouse serve at " + url() + ": " + e.getMessage()
                + "; is it still running?", e);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static void pause(Duration d) {
        try {
            TimeUnit.MILLISECONDS.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
