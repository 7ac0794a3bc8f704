package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A streamed answer, one event per line: NDJSON ({@code application/x-ndjson}, each line
 * {@code {"event": ..., ...}}), or server-sent events when the client asks for
 * {@code text/event-stream}. Each event is flushed as it is written, so a client sees it at once.
 */
final class EventStream {
    private final OutputStream out;
    private final boolean sse;
    private volatile boolean broken;

    private EventStream(OutputStream out, boolean sse) {
        this.out = out;
        this.sse = sse;
    }

    /** Whether the client asked for server-sent events. */
    static boolean wantsSse(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.contains("text/event-stream");
    }

    /** Whether the client asked for a stream at all (SSE or NDJSON). */
    static boolean wantsStream(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && (accept.contains("text/event-stream") || accept.contains("application/x-ndjson"));
    }

    static EventStream open(Context ctx, int status) {
        boolean sse = wantsSse(ctx);
        ctx.status(status);
        ctx.res().setContentType(sse ? "text/event-stream;charset=utf-8" : "application/x-ndjson;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            OutputStream out = ctx.res().getOutputStream();
            EventStream s = new EventStream(out, sse);
            if (sse) {
                s.write(": stream open\n\n"); // sends the headers now
            } else {
                out.flush();
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one event; false when the client has gone (nothing more is written then). */
    boolean send(String event, JsonNode data, String id) {
        return write(sse ? sse(event, data, id) : ndjson(event, data, id));
    }

    /**
     * An event encoded once in both forms, for many streams: ten watch streams encoding the same
     * change each took more of the cores than the writers that made it.
     */
    record Prepared(byte[] ndjson, byte[] sse) {
        static Prepared of(String event, JsonNode data, String id) {
            return new Prepared(EventStream.ndjson(event, data, id).getBytes(StandardCharsets.UTF_8),
                    EventStream.sse(event, data, id).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Writes prepared events and flushes once, after the last: a flush per event made a chunk and
     * a system call per event for each client.
     */
    boolean send(List<Prepared> events) {
        return write(events.stream().map(p -> sse ? p.sse() : p.ndjson()).toList());
    }

    private static String sse(String event, JsonNode data, String id) {
        StringBuilder b = new StringBuilder();
        if (id != null) {
            b.append("id: ").append(id).append('\n');
        }
        return b.append("event: ").append(event).append('\n').append("data: ").append(Json.compact(data)).append("\n\n")
                .toString();
    }

    private static String ndjson(String event, JsonNode data, String id) {
        com.fasterxml.jackson.databind.node.ObjectNode line = Json.object().put("event", event);
        if (id != null) {
            line.put("id", id);
        }
        line.set("data", data);
        return Json.compact(line) + "\n";
    }

    /** A comment (SSE) or blank line (NDJSON) that keeps proxies from closing an idle stream. */
    boolean keepAlive() {
        return write(sse ? ": keep-alive\n\n" : "\n");
    }

    boolean broken() {
        return broken;
    }

    /**
     * Ends the stream from outside its handler (a streamed reply whose token was revoked): a last
     * {@code error} event with the code and message, then the answer is completed; whatever the
     * handler writes after that is dropped.
     */
    void fail(String code, String message) {
        sendError(code, message);
        synchronized (this) {
            broken = true;
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                // the client went away already
            }
        }
    }

    /** The last event of a stream ended for a reason the client must act on (its token): {@code error}. */
    boolean sendError(String code, String message) {
        return send("error", Json.object().put("code", code).put("message", message), null);
    }

    private boolean write(String text) {
        return write(List.of(text.getBytes(StandardCharsets.UTF_8)));
    }

    private synchronized boolean write(List<byte[]> chunks) {
        if (broken) {
            return false;
        }
        try {
            for (byte[] c : chunks) {
                out.write(c);
            }
            out.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            broken = true; // the client went away
            return false;
        }
    }
}
