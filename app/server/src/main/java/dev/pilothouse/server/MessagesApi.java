package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.TraceJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code /api/v0/sessions/{id}/messages}: the conversation, and sending a message. A send answers
 * with the stored exchange when the reply is done, or streams the reply's events as they arrive
 * (NDJSON, or server-sent events with {@code Accept: text/event-stream}) and ends with {@code done}.
 */
final class MessagesApi {
    static final int DEFAULT_PAGE = 100;

    private MessagesApi() {
    }

    static void register(RoutesConfig r, Streams streams) {
        r.get("/api/v0/sessions/{id}/messages", MessagesApi::list);
        r.get("/api/v0/sessions/{id}/messages/count", ctx -> ctx.json(Json.object().put("count",
                SessionsApi.scoped(ctx).countMessages(ctx.pathParam("id")))));
        r.post("/api/v0/sessions/{id}/messages", ctx -> send(ctx, streams));
        r.get("/api/v0/sessions/{id}/messages/{message}/trace", MessagesApi::trace);
        r.get("/api/v0/sessions/{id}/requests", MessagesApi::requests);
        r.get("/api/v0/sessions/{id}/timeline", MessagesApi::timeline);
    }

    private static void list(Context ctx) {
        long after = SessionsApi.orZero(Query.whole(ctx, "after", 0, Long.MAX_VALUE));
        Long before = Query.whole(ctx, "before", 1, Long.MAX_VALUE);
        Long limit = Query.whole(ctx, "limit", 1, SessionsApi.MAX_LIMIT);
        List<Message> page = SessionsApi.scoped(ctx).messages(ctx.pathParam("id"), after, before,
                limit == null ? DEFAULT_PAGE : limit.intValue());
        ArrayNode items = Json.MAPPER.createArrayNode();
        page.forEach(m -> items.add(SessionJson.toJson(m)));
        ObjectNode out = Json.object();
        out.set("items", items);
        // as for events: the cursor to pass as the next 'after', unchanged when nothing came (never null)
        out.put("next_after", page.isEmpty() ? after : page.get(page.size() - 1).id());
        ctx.json(out);
    }

    private static void send(Context ctx, Streams streams) {
        RequestBody b = RequestBody.of(ctx, List.of("content", "agent"));
        String content = b.text("content");
        if (content == null) {
            throw ApiException.badRequest("field 'content' is required: the message to send", "content");
        }
        Engine e = SessionsApi.scoped(ctx);
        String ref = ctx.pathParam("id");
        String agent = b.text("agent");
        exchange(ctx, streams, onReply -> e.send(ref, agent, content, onReply));
    }

    /**
     * Runs a send and answers with it: streamed when the client asks for a stream, else as one
     * JSON object once the reply is stored. Errors before the first event are ordinary error answers.
     * A stream whose token is revoked (or expires) ends then with an {@code error} event; the reply
     * is still stored, as a message sent is answered. A server stopping past its grace period ends a
     * stream with a last {@code shutdown} event.
     */
    static void exchange(Context ctx, Streams streams, Function<Consumer<AgentEvent>, SendResult> send) {
        Awaited awaited = Awaited.of(ctx);
        if (!EventStream.wantsStream(ctx, "application/json")) {
            ctx.json(result(awaited.call(() -> send.apply(null))));
            return;
        }
        LazyStream stream = new LazyStream(ctx);
        Runnable unregister = streams.add(Auth.token(ctx), why -> {
            if (!why.shutdown()) {
                stream.fail(why.code(), why.message());
            }
        });
        // a refusal comes at once (a plain error answer); a reply still quiet after a moment gets its headers,
        // and then keep-alives, so that neither the client nor a proxy between takes it for a dead request
        Runnable upkeep = streams.every(OPEN_QUIET_STREAM_AFTER, KEEP_ALIVE, stream::keepAlive);
        SendResult r;
        try {
            r = awaited.call(() -> send.apply(ev -> {
                if (ev.type() != AgentEvent.Type.DONE) { // the stream's own done, with the stored reply, ends it
                    stream.send(ev.type().name().toLowerCase(), event(ev));
                }
            }));
        } catch (ApiException stopping) {
            if (stopping.status() == 503 && stream.end(stopping.getMessage())) {
                return;
            }
            if (stream.failIfOpen(stopping.code(), stopping.getMessage())) {
                return;
            }
            throw stopping;
        } catch (PilothouseException failed) {
            // after the headers went out an error answer cannot be: the stream's last event says it
            if (stream.failIfOpen(Errors.of(failed, false).code(), failed.getMessage())) {
                return;
            }
            throw failed;
        } finally {
            upkeep.run();
            unregister.run();
        }
        stream.send("done", result(r));
    }

    /** How long a streamed reply may stay silent before its headers are sent anyway. */
    static final Duration OPEN_QUIET_STREAM_AFTER = Duration.ofSeconds(1);
    /** As the watch: a comment (SSE) or blank line (NDJSON) while a reply is quiet. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    static ObjectNode result(SendResult r) {
        ObjectNode out = Json.object();
        out.set("session", SessionJson.toJson(r.session()));
        out.set("message", SessionJson.toJson(r.message()));
        out.set("reply", SessionJson.toJson(r.reply()));
        return out;
    }

    private static ObjectNode event(AgentEvent ev) {
        ObjectNode n = Json.object().put("type", ev.type().name().toLowerCase()).put("text", ev.text());
        if (ev.stream() != null) {
            n.put("stream", ev.stream());
        }
        if (ev.exitCode() != null) {
            n.put("exit_code", ev.exitCode());
        }
        return n;
    }

    /**
     * A stream opened at its first event (or once the reply has been quiet a moment), so that a send
     * refused at once is a plain error answer; once ended, what the reply still streams is dropped.
     */
    private static final class LazyStream {
        private final Context ctx;
        private EventStream stream;
        private boolean ended;

        LazyStream(Context ctx) {
            this.ctx = ctx;
        }

        synchronized void send(String event, JsonNode data) {
            if (ended) {
                return;
            }
            if (stream == null) {
                stream = EventStream.open(ctx, 200);
            }
            stream.send(event, data, null);
        }

        /** Opens a quiet stream (its headers), or keeps an open one alive. */
        synchronized void keepAlive() {
            if (ended) {
                return;
            }
            if (stream == null) {
                stream = EventStream.open(ctx, 200);
            } else {
                stream.keepAlive();
            }
        }

        /** Ends an open stream with an {@code error} event; false if it never opened (a plain error answer then). */
        synchronized boolean failIfOpen(String code, String message) {
            if (stream == null || ended) {
                return stream != null;
            }
            ended = true;
            stream.fail(code, message);
            return true;
        }

        /** Ends the stream with an {@code error} event the client must act on (its token); nothing more is sent. */
        synchronized void fail(String code, String message) {
            if (ended) {
                return;
            }
            ended = true;
            if (stream == null) {
                stream = EventStream.open(ctx, 200);
            }
            stream.fail(code, message);
        }

        /** Ends the stream with a {@code shutdown} event saying why; false if it never opened (nothing sent yet). */
        synchronized boolean end(String why) {
            ended = true;
            if (stream == null) {
                return false;
            }
            stream.send("shutdown", Json.object().put("reason", why), null);
            return true;
        }
    }

    /** A reply's trace: every event its agent streamed, with when it arrived. */
    private static void trace(Context ctx) {
        Engine e = SessionsApi.scoped(ctx);
        String session = e.session(ctx.pathParam("id")).id(); // a missing session is the 404 before a bad id's 400
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("message"));
        } catch (NumberFormatException notANumber) {
            throw ApiException.badRequest("message '" + ctx.pathParam("message") + "' is not a message id (a whole number, "
                    + "as GET /api/v0/sessions/{id}/messages gives them)", "message");
        }
        ObjectNode n = Json.object().put("message_id", id);
        ArrayNode items = n.putArray("items");
        e.trace(session, id).forEach(ev -> items.add(TraceJson.event(ev)));
        ctx.json(n);
    }

    /** The session's requests to its agents and how each went. */
    private static void requests(Context ctx) {
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("items");
        SessionsApi.scoped(ctx).requests(ctx.pathParam("id"), ctx.queryParam("agent"))
                .forEach(r -> items.add(TraceJson.request(r)));
        ctx.json(n);
    }

    /** The session's history as one timeline (the Replay view's source). */
    private static void timeline(Context ctx) {
        ObjectNode n = Json.object();
        ArrayNode items = n.putArray("items");
        SessionsApi.scoped(ctx).timeline(ctx.pathParam("id"))
                .forEach(e -> items.add(TraceJson.entry(e)));
        ctx.json(n);
    }
}
