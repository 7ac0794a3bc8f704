package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.engine.SessionResources;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.StartTimes;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.CommitCache;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/** {@code /api/v0/sessions}: list, create, read, update, state changes, remix, delete and purge. */
final class SessionsApi {
    static final List<String> CREATE_FIELDS = List.of("name", "starting_prompt", "prompt", "agent_ids", "agents",
            "waiting_timeout_seconds", "ttl_seconds", "metadata", "resources", "context", "namespace", "guardrails", "template", "template_version",
            "parameters", "scheduled_at", "start_after_seconds");
    static final List<String> UPDATE_FIELDS = List.of("name", "waiting_timeout_seconds", "ttl_seconds", "metadata",
            "resources", "additional_agents", "remove_agents");
    static final List<String> REMIX_FIELDS = List.of("parent_session", "name", "starting_prompt", "prompt", "agent_ids",
            "agents", "additional_agents", "remove_agents", "waiting_timeout_seconds", "ttl_seconds", "metadata",
            "resources", "copy_workspace", "copy_conversation");
    static final List<String> SORTS = List.of("created_at", "updated_at", "last_activity_at", "name", "state");
    static final int MAX_LIMIT = 1000;

    private final Awaited awaited;

    SessionsApi(Awaited awaited, LongSupplier commits) {
        this.awaited = awaited;
        this.listings = new CommitCache<>(commits, 2);
        this.sessions = new CommitCache<>(commits, 10_000);
    }

    void register(RoutesConfig r) {
        r.get("/api/v0/sessions", this::list);
        r.post("/api/v0/sessions", this::create);
        r.post("/api/v0/sessions/remix", ctx -> remix(ctx, null));
        r.get("/api/v0/sessions/{id}", this::get);
        r.put("/api/v0/sessions/{id}", this::update);
        r.delete("/api/v0/sessions/{id}", this::delete);
        r.put("/api/v0/sessions/{id}/state", this::state);
        r.post("/api/v0/sessions/{id}/remix", ctx -> remix(ctx, ctx.pathParam("id")));
        r.post("/api/v0/sessions/{id}/purge", ctx -> ok(ctx, scoped(ctx).purge(ctx.pathParam("id")), 200));
        r.get("/api/v0/sessions/{id}/events", this::events);
    }

    /** The request's engine, on the context and namespace it names (the server's default otherwise). */
    static Engine scoped(Context ctx) {
        Engine e = Auth.engine(ctx);
        String context = ctx.queryParam("context");
        String namespace = ctx.queryParam("namespace");
        return context == null && namespace == null ? e : e.at(context, namespace);
    }

    static void ok(Context ctx, Session s, int status) {
        ctx.status(status).header("ETag", etag(s)).json(SessionJson.toJson(s));
    }

    static String etag(Session s) {
        return "\"" + s.version() + "\"";
    }

    // ---- list ---------------------------------------------------------------------------

    private void list(Context ctx) {
        Engine e = scoped(ctx);
        boolean deleted = Query.bool(ctx, "deleted", false);
        List<SessionState> states = states(ctx.queryParam("state"));
        String prefix = ctx.queryParam("name_prefix");
        Map<String, JsonNode> meta = new java.util.LinkedHashMap<>();
        ctx.queryParamMap().forEach((k, v) -> {
            if (k.startsWith("metadata.") && k.length() > "metadata.".length()) {
                meta.put(k.substring("metadata.".length()), metadataValue(v.get(0)));
            }
        });
        String sort = Query.oneOf(ctx, "sort", "created_at", SORTS);
        boolean desc = Query.oneOf(ctx, "order", "asc", List.of("asc", "desc")).equals("desc");
        int limit = Query.whole(ctx, "limit", 1, MAX_LIMIT) == null ? 100 : Query.whole(ctx, "limit", 1, MAX_LIMIT).intValue();
        Cursor after = Cursor.parse(ctx.queryParam("continue"), sort);

        ListKey key = new ListKey(ctx.queryParam("context"), ctx.queryParam("namespace"), deleted, states, prefix, meta,
                sort, desc);
        Listing listing = listing(e, key);
        List<Session> all = listing.sorted();
        long change = listing.change();
        int from = 0;
        if (after != null) {
            // the first session past the cursor, by bisection: the list is in the cursor's order
            int lo = 0;
            int hi = all.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if ((desc ? -after.compare(all.get(mid)) : after.compare(all.get(mid))) <= 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            from = lo;
        }
        List<Session> page = all.subList(from, Math.min(all.size(), from + limit));
        ArrayNode items = Json.MAPPER.createArrayNode();
        page.forEach(s -> items.add(SessionJson.toJson(s)));
        ObjectNode out = Json.object();
        out.set("items", items);
        boolean more = from + limit < all.size();
        out.put("continue", more ? Cursor.of(sort, page.get(page.size() - 1)).encode() : null);
        out.put("remaining", Math.max(0, all.size() - from - page.size()));
        // the change number to watch from (GET /api/v0/watch?since=) to keep this list current
        out.put("change", change);
        ctx.json(out);
    }

    /** What a listing is of: its filters and order. */
    private record ListKey(String context, String namespace, boolean deleted, List<SessionState> states, String prefix,
                           Map<String, JsonNode> meta, String sort, boolean desc) {
    }

    /** A filtered, sorted listing as of store commit {@code commit}, with the change number to watch from. */
    private record Listing(ListKey key, long change, List<Session> sorted) {
    }

    /**
     * Listings kept while the store has had no commit since: paging through 50,000 sessions reads
     * and sorts them once, not once a page (a page cost 170 ms).
     */
    private final CommitCache<ListKey, Listing> listings;
    /** Sessions as read, kept until the next commit: many clients polling one session read it once. */
    private final CommitCache<SessionKey, Session> sessions;

    private record SessionKey(String context, String namespace, String ref) {
    }

    private Listing listing(Engine e, ListKey key) {
        return listings.get(key, k -> list(e, k));
    }

    private Listing list(Engine e, ListKey key) {
        long change = e.lastChange();
        Comparator<Session> order = byKey(key.sort());
        if (key.desc()) {
            order = order.reversed();
        }
        List<Session> all = new ArrayList<>(e.sessions(key.deleted()).stream()
                .filter(s -> key.states().isEmpty() || key.states().contains(s.state()))
                .filter(s -> key.prefix() == null || s.name().startsWith(key.prefix()))
                .filter(s -> matches(s, key.meta()))
                .toList());
        all.sort(order);
        return new Listing(key, change, java.util.Collections.unmodifiableList(all));
    }

    private static List<SessionState> states(String param) {
        List<SessionState> out = new ArrayList<>();
        if (param == null || param.isBlank()) {
            return out;
        }
        for (String s : param.split(",")) {
            try {
                out.add(SessionState.valueOf(s.strip().toUpperCase()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("query parameter 'state' has '" + s + "'; accepted: one or more of "
                        + java.util.Arrays.toString(SessionState.values()) + ", separated by commas", "state");
            }
        }
        return out;
    }

    private static JsonNode metadataValue(String v) {
        try {
            JsonNode n = Json.readOne(Json.MAPPER, v);
            return n.isMissingNode() ? com.fasterxml.jackson.databind.node.TextNode.valueOf(v) : n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return com.fasterxml.jackson.databind.node.TextNode.valueOf(v);
        }
    }

    private static boolean matches(Session s, Map<String, JsonNode> meta) {
        if (meta.isEmpty()) {
            return true;
        }
        JsonNode m = Json.parse(s.metadata());
        for (Map.Entry<String, JsonNode> e : meta.entrySet()) {
            JsonNode v = m.get(e.getKey());
            if (v == null || !(v.equals(e.getValue()) || v.isValueNode() && v.asText().equals(e.getValue().asText()))) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<Session> byKey(String sort) {
        Function<Session, Comparable> k = sortKey(sort);
        return (a, b) -> {
            int c = k.apply(a).compareTo(k.apply(b));
            return c != 0 ? c : a.id().compareTo(b.id());
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Function<Session, Comparable> sortKey(String sort) {
        return switch (sort) {
            case "name" -> Session::name;
            case "state" -> s -> s.state().name();
            case "updated_at" -> Session::updatedAt;
            case "last_activity_at" -> Session::lastActivityAt;
            default -> Session::createdAt;
        };
    }

    /** Where a page ended: the sort key and id of its last session, opaque to clients. */
    private record Cursor(String sort, String key, String id) {
        static Cursor of(String sort, Session s) {
            return new Cursor(sort, String.valueOf(sortKey(sort).apply(s)), s.id());
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (sort + "\n" + key + "\n" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor parse(String token, String sort) {
            if (token == null || token.isEmpty()) {
                return null;
            }
            try {
                String[] p = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 3);
                if (p.length == 3 && p[0].equals(sort)) {
                    return new Cursor(p[0], p[1], p[2]);
                }
            } catch (IllegalArgumentException e) {
                // falls through to the error
            }
            throw ApiException.badRequest("query parameter 'continue' is not a token this listing gave (with sort="
                    + sort + "); pass back the 'continue' of the previous page unchanged, with the same sort", "continue");
        }

        /** Where {@code s} lies against this cursor in ascending order: negative before, positive after. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        int compare(Session s) {
            int c = sortKey(sort).apply(s).compareTo(mine());
            return c != 0 ? c : s.id().compareTo(id);
        }

        @SuppressWarnings("rawtypes")
        private Comparable mine() {
            try {
                return switch (sort) {
                    case "name", "state" -> key;
                    default -> java.time.Instant.parse(key);
                };
            } catch (RuntimeException e) {
                throw ApiException.badRequest("query parameter 'continue' is damaged; start the listing again", "continue");
            }
        }

    }

    // ---- create and remix ----------------------------------------------------------------

    private void create(Context ctx) {
        Engine e = Auth.engine(ctx);
        RequestBody b = RequestBody.of(ctx, CREATE_FIELDS);
        List<String> agents = agents(e, b, "agents", "agent_ids");
        List<String> guardrails = guardrails(b.strings("guardrails"));
        CreateRequest req = new CreateRequest(b.text("name"), b.text("context"), b.text("namespace"), agents,
                b.text("starting_prompt", "prompt"), b.whole("waiting_timeout_seconds"), b.whole("ttl_seconds"),
                b.object("metadata"), b.resources("resources"), guardrails);
        if (b.has("template")) {
            req = fromTemplate(e, b, req);
        } else if (b.has("parameters") || b.has("template_version")) {
            throw ApiException.badRequest("'" + (b.has("parameters") ? "parameters" : "template_version")
                    + "' needs 'template': the name of a stored template (GET /api/v0/templates)", "template");
        }
        // a scheduled start (docs/schedules.md): stored pending, started by the engine when due
        CreateRequest request = req.withScheduledAt(startAt(b, e.config().clock().instant()));
        started(ctx, e, created -> e.create(request, created, null).session());
    }

    /**
     * When a scheduled start is due: {@code scheduled_at} (a time) or {@code start_after_seconds}
     * (whole seconds), checked here in the API's words; the engine's own words name the CLI's
     * {@code --at}/{@code --after} and its duration forms (90s, 15m), which this field does not take.
     */
    static java.time.Instant startAt(RequestBody b, java.time.Instant now) {
        String at = b.text("scheduled_at");
        Long after = b.whole("start_after_seconds");
        if (at != null && after != null) {
            throw ApiException.badRequest("give either 'scheduled_at' (a time) or 'start_after_seconds' (a delay), not both",
                    "start_after_seconds");
        }
        if (after != null) {
            long max = StartTimes.MAX_AHEAD.toSeconds();
            if (after < 1 || after > max) {
                throw ApiException.badRequest("field 'start_after_seconds' is " + after + "; accepted: a whole number of "
                        + "seconds from 1 to " + max + " (" + StartTimes.MAX_AHEAD.toDays() + " days)", "start_after_seconds");
            }
            return now.plusSeconds(after);
        }
        return at == null ? null : StartTimes.future(StartTimes.at(at), now, "scheduled_at",
                "leave out 'scheduled_at'");
    }

    /** A template's request (docs/templates.md), with what the body gives over it. */
    private static CreateRequest fromTemplate(Engine e, RequestBody b, CreateRequest given) {
        java.util.Map<String, String> params = new java.util.LinkedHashMap<>();
        if (b.has("parameters")) {
            com.fasterxml.jackson.databind.JsonNode p = Json.parse(b.object("parameters"));
            p.fields().forEachRemaining(f -> {
                if (!f.getValue().isValueNode() || f.getValue().isNull()) {
                    throw ApiException.badRequest("parameter '" + f.getKey() + "' must be a single value (text, number "
                            + "or true/false)", "parameters");
                }
                params.put(f.getKey(), f.getValue().asText());
            });
        }
        Long version = b.whole("template_version");
        CreateRequest t = e.fromTemplate(b.text("template"), version == null ? null : Math.toIntExact(version), params);
        String metadata = t.metadata();
        if (given.metadata() != null) {
            var over = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(given.metadata());
            var from = Json.parse(t.metadata());
            over.set("template", from.get("template"));
            over.set("template_version", from.get("template_version"));
            metadata = Json.compact(over);
        }
        dev.pilothouse.session.Resources r = given.resources() == null ? t.resources()
                : t.resources() == null ? given.resources() : given.resources().withDefaults(t.resources());
        return new CreateRequest(given.name(), given.context(), given.namespace(),
                given.agents() != null && !given.agents().isEmpty() ? given.agents() : t.agents(),
                given.startingPrompt() != null ? given.startingPrompt() : t.startingPrompt(),
                given.waitingTimeoutSeconds() != null ? given.waitingTimeoutSeconds() : t.waitingTimeoutSeconds(),
                given.ttlSeconds() != null ? given.ttlSeconds() : t.ttlSeconds(), metadata, r,
                given.guardrails() != null && !given.guardrails().isEmpty() ? given.guardrails() : t.guardrails(),
                t.agentConfig());
    }

    private void remix(Context ctx, String parentFromPath) {
        Engine e = scoped(ctx);
        RequestBody b = RequestBody.of(ctx, REMIX_FIELDS);
        String parent = b.text("parent_session");
        if (parentFromPath != null && parent != null && !parent.equals(parentFromPath)) {
            throw ApiException.badRequest("the path names parent '" + parentFromPath + "' and the body '" + parent
                    + "'; give it once", "parent_session");
        }
        String parentRef = parentFromPath != null ? parentFromPath : parent;
        if (parentRef == null) {
            throw ApiException.badRequest("field 'parent_session' is required: the id or name of the session to remix",
                    "parent_session");
        }
        e.session(parentRef); // a missing parent is a 404 before anything starts
        List<String> replace = b.has("agents") || b.has("agent_ids") ? agents(e, b, "agents", "agent_ids") : null;
        List<String> add = b.strings("additional_agents");
        known(e, add, "additional_agents");
        List<String> remove = b.strings("remove_agents");
        RemixRequest req = new RemixRequest(b.text("name"), b.text("starting_prompt", "prompt"), replace,
                add == null ? List.of() : add, remove == null ? List.of() : remove, b.whole("waiting_timeout_seconds"),
                b.whole("ttl_seconds"), b.object("metadata"), b.resources("resources"), b.bool("copy_workspace", true),
                b.bool("copy_conversation", false));
        started(ctx, e, created -> e.remix(parentRef, req, created, null).session());
    }

    /** Guardrail specs checked before anything starts: a bad one is a 400 naming the field and what is accepted. */
    private static List<String> guardrails(List<String> specs) {
        if (specs == null) {
            return null;
        }
        try {
            dev.pilothouse.guardrails.Guardrails.of(specs.stream().map(dev.pilothouse.guardrails.GuardrailSpec::parse)
                    .toList(), java.time.Clock.systemUTC());
        } catch (dev.pilothouse.errors.InvalidInputException e) {
            throw ApiException.badRequest(e.getMessage(), "guardrails");
        }
        return specs;
    }

    /** Agent names from names, or from ids ({@code agent_ids}, the seed's form); not both. */
    private static List<String> agents(Engine e, RequestBody b, String names, String ids) {
        if (b.has(names) && b.has(ids)) {
            throw ApiException.badRequest("give '" + names + "' (names) or '" + ids + "' (ids), not both", ids);
        }
        if (b.has(names)) {
            List<String> given = b.strings(names);
            known(e, given, names);
            return given;
        }
        List<String> given = b.strings(ids, "agent ids (strings)");
        if (given == null) {
            return null;
        }
        List<AgentDefinition> known = e.agents(false);
        List<String> out = new ArrayList<>();
        for (String id : given) {
            out.add(known.stream().filter(a -> a.id().equalsIgnoreCase(id) || a.name().equals(id)).findFirst()
                    .map(AgentDefinition::name)
                    .orElseThrow(() -> ApiException.badRequest("no agent with id '" + id + "'; GET /api/v0/agents lists "
                            + "the agents and their ids", ids)));
        }
        return out;
    }

    /** An unknown agent named in the body is bad input naming the field (400), not a missing resource (404). */
    private static void known(Engine e, List<String> names, String field) {
        for (String n : names == null ? List.<String>of() : names) {
            try {
                e.agent(n);
            } catch (dev.pilothouse.errors.NotFoundException missing) {
                throw ApiException.badRequest(missing.getMessage(), field);
            }
        }
    }

    /**
     * Starts a create or remix and answers 201 as soon as the session is stored (INIT), or with
     * {@code ?wait=ready} once it has left INIT (READY, or ERROR with its reason).
     */
    private void started(Context ctx, Engine e, Function<Consumer<Session>, Session> start) {
        String wait = Query.oneOf(ctx, "wait", "none", List.of("none", "ready"));
        CompletableFuture<Session> stored = new CompletableFuture<>();
        CompletableFuture<Session> settled = new CompletableFuture<>();
        Runnable unsubscribe = e.subscribe(ev -> {
            Session s = stored.getNow(null);
            if (ev instanceof EngineEvent.SessionChanged c && s != null && c.session().id().equals(s.id())
                    && c.session().state() != SessionState.INIT) {
                settled.complete(c.session());
            }
        });
        try {
            awaited.execute(() -> {
                try {
                    Session done = start.apply(stored::complete);
                    stored.complete(done);
                    settled.complete(done);
                } catch (Throwable t) {
                    stored.completeExceptionally(t);
                    settled.completeExceptionally(t);
                }
            });
            Session s = awaited.await(stored);
            if (wait.equals("ready") && !s.pendingStart()) {
                Session now = e.session(s.id());
                s = now.state() != SessionState.INIT ? now : awaited.await(settled);
            }
            ctx.header("Location", "/api/v0/sessions/" + s.id());
            if (wait.equals("ready") && s.state() == SessionState.ERROR) {
                // made, but not usable: an answer a script's `curl -f` fails on, with the CLI's words
                throw new ApiException(502, "start_failed", "session '" + s.name() + "' failed to start: "
                        + s.terminationReason() + " (it was created and is in ERROR: GET /api/v0/sessions/" + s.id()
                        + " shows it; PUT /api/v0/sessions/" + s.id() + "/state {\"state\": \"READY\"} retries it)", null);
            }
            ok(ctx, s, 201);
        } finally {
            unsubscribe.run();
        }
    }

    // ---- one session --------------------------------------------------------------------

    private void get(Context ctx) {
        Engine e = scoped(ctx);
        Session s = sessions.get(new SessionKey(ctx.queryParam("context"), ctx.queryParam("namespace"), ctx.pathParam("id")),
                k -> e.session(k.ref()));
        // a starting session's progress changes without a new version: never "not modified" then
        String progress = e.startProgress(s);
        String none = ctx.header("If-None-Match");
        if (none != null && none.equals(etag(s)) && progress == null) {
            ctx.status(304).header("ETag", etag(s));
            return;
        }
        var json = SessionJson.toJson(s).put("volume", volume(Auth.engine(ctx), s));
        if (progress != null) {
            json.put("progress", progress);
        }
        ctx.status(200).header("ETag", etag(s)).json(json);
    }

    /** Where the session's volume is, for people (a directory, or a PVC); null when its runtime cannot say now. */
    private static String volume(Engine e, Session s) {
        try {
            return e.volumeLocation(s);
        } catch (RuntimeException unavailable) {
            return null;
        }
    }

    private void update(Context ctx) {
        Engine e = scoped(ctx);
        RequestBody b = RequestBody.of(ctx, UPDATE_FIELDS);
        Long expected = ifMatch(ctx);
        List<String> add = b.strings("additional_agents");
        known(e, add, "additional_agents");
        UpdateRequest u = new UpdateRequest(b.text("name"), b.whole("waiting_timeout_seconds"), b.whole("ttl_seconds"),
                b.object("metadata"), Map.of(), List.of(), b.resources("resources"), add, b.strings("remove_agents"));
        Session after = e.update(ctx.pathParam("id"), u, expected);
        // changed cpu and memory wait for the next start: the answer says when
        String note = !u.changesResources() ? null : SessionResources.whenApplied(after, u.changesAgents());
        var json = SessionJson.toJson(after);
        if (note != null) {
            json.put("note", note);
        }
        ctx.status(200).header("ETag", etag(after)).json(json);
    }

    private void delete(Context ctx) {
        ok(ctx, scoped(ctx).delete(ctx.pathParam("id"), ifMatch(ctx)), 200);
    }

    /**
     * The version an {@code If-Match} header names ({@code "7"}, {@code 7} or {@code *}). If-Match compares
     * strongly (RFC 9110, 13.1.1): a weak tag ({@code W/"7"}) never matches, so it is a 412 whatever the version.
     */
    static Long ifMatch(Context ctx) {
        String h = ctx.header("If-Match");
        if (h == null || h.strip().equals("*")) {
            return null;
        }
        String v = h.strip();
        if (v.startsWith("W/")) {
            throw new ApiException(412, "precondition_failed", "If-Match is '" + h.strip() + "', a weak tag; If-Match "
                    + "compares tags strongly, so a weak one never matches: send the ETag as a GET answered it, such as "
                    + "\"3\"", "If-Match");
        }
        v = v.replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException x) {
            throw ApiException.badRequest("If-Match is '" + h + "'; give the ETag a GET answered with, such as \"3\"", "If-Match");
        }
    }

    /** {@code {"state": "IDLE"}} pauses; {@code READY} resumes an IDLE session or retries one in ERROR. */
    private void state(Context ctx) {
        Engine e = scoped(ctx);
        RequestBody b = RequestBody.of(ctx, List.of("state"));
        String wanted = b.text("state");
        if (wanted == null) {
            throw ApiException.badRequest("field 'state' is required; accepted: IDLE (pause) or READY (resume, retry)", "state");
        }
        SessionState target;
        try {
            target = SessionState.valueOf(wanted.toUpperCase());
        } catch (IllegalArgumentException x) {
            throw ApiException.badRequest("state '" + wanted + "' is not a state; accepted: IDLE (pause) or READY "
                    + "(resume, retry)", "state");
        }
        String ref = ctx.pathParam("id");
        Session s = e.session(ref);
        Long expected = ifMatch(ctx);
        if (expected != null && s.version() != expected) {
            throw new ApiException(412, "precondition_failed", "session '" + s.name() + "' is at version " + s.version()
                    + ", not " + expected + "; nothing was changed", null);
        }
        List<SessionState> allowed = operatorTargets(s);
        if (!allowed.contains(target)) {
            throw new ApiException(409, "wrong_state", "session '" + s.name() + "' is " + s.state()
                    + (s.deleted() ? " and deleted" : "") + "; it cannot be moved to " + target + " by a request. "
                    + (allowed.isEmpty() ? "No state can be requested now." : "Accepted now: " + allowed), "state");
        }
        Session after = switch (target) {
            case IDLE -> e.pause(ref);
            case READY -> s.state() == SessionState.ERROR ? e.retry(ref) : e.resume(ref);
            default -> throw new IllegalStateException();
        };
        ok(ctx, after, 200);
    }

    /** The states a request may move a session to from where it is. */
    static List<SessionState> operatorTargets(Session s) {
        if (s.deleted()) {
            return List.of();
        }
        return switch (s.state()) {
            case READY, BUSY -> List.of(SessionState.IDLE);
            case IDLE, ERROR -> List.of(SessionState.READY);
            case INIT -> s.pendingStart() ? List.of(SessionState.READY) : List.of(); // READY: start it now
        };
    }

    private void events(Context ctx) {
        long after = orZero(Query.whole(ctx, "after", 0, Long.MAX_VALUE));
        int limit = Query.whole(ctx, "limit", 1, MAX_LIMIT) == null ? 100 : Query.whole(ctx, "limit", 1, MAX_LIMIT).intValue();
        ArrayNode items = Json.MAPPER.createArrayNode();
        var events = scoped(ctx).events(ctx.pathParam("id"), after, limit);
        events.forEach(ev -> items.add(SessionJson.toJson(ev)));
        ObjectNode out = Json.object();
        out.set("items", items);
        out.put("next_after", events.isEmpty() ? after : events.get(events.size() - 1).id());
        ctx.json(out);
    }

    static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
