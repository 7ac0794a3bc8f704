package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A streamed answer, one event per line: NDJSON ({@code application/x-ndjson}, each line
 * {@code {"event": ..., ...}}), or server-sent events when the client prefers
 * {@code text/event-stream} (by its Accept header's q-values; NDJSON by default). Each event is flushed as it is written, so a client sees it at once.
 */
final class EventStream {
    private final OutputStream out;
    private final boolean sse;
    private volatile boolean broken;

    private EventStream(OutputStream out, boolean sse) {
        this.out = out;
        this.sse = sse;
    }

    static final String SSE = "text/event-stream";
    static final String NDJSON = "application/x-ndjson";

    /**
     * Whether the client prefers server-sent events to NDJSON, by the q-values of its Accept header.
     * application/json counts for NDJSON (each line is JSON); at equal q a type named outright beats a
     * wildcard, and NDJSON is the default: without Accept, for any type, or when neither is acceptable.
     */
    static boolean wantsSse(Context ctx) {
        String accept = ctx.header("Accept");
        double[] sse = quality(accept, SSE);
        double[] ndjson = better(quality(accept, NDJSON), quality(accept, "application/json"));
        return sse[0] > 0 && compare(sse, ndjson) > 0;
    }

    /**
     * Whether the client prefers a stream (NDJSON or SSE) to the endpoint's one answer of type
     * {@code single} (application/json, text/plain), by the q-values of its Accept header; at equal
     * q a type named outright beats a wildcard, and the single answer is the default.
     */
    static boolean wantsStream(Context ctx, String single) {
        String accept = ctx.header("Accept");
        double[] stream = better(quality(accept, SSE), quality(accept, NDJSON));
        return stream[0] > 0 && compare(stream, quality(accept, single)) > 0;
    }

    /**
     * The q-value {@code accept} gives {@code type} and how specific the range that gave it is, as
     * {q, specificity}: 3 the type itself, 2 its major type with any subtype, 1 any type, 0 no range
     * (q 0). Without an Accept header every type is acceptable.
     */
    static double[] quality(String accept, String type) {
        if (accept == null || accept.isBlank()) {
            return new double[] {1, 1};
        }
        String major = type.substring(0, type.indexOf('/'));
        double[] best = {0, 0};
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String media = parts[0].strip().toLowerCase(Locale.ROOT);
            int specificity = media.equals(type) ? 3 : media.equals(major + "/*") ? 2 : media.equals("*/*") ? 1 : 0;
            if (specificity <= best[1]) {
                continue;
            }
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                if (kv.length == 2 && kv[0].strip().equalsIgnoreCase("q")) {
                    try {
                        q = Math.max(0, Math.min(1, Double.parseDouble(kv[1].strip())));
                    } catch (NumberFormatException e) {
                        q = 1; // an unreadable q-value: the range as if it had none
                    }
                }
            }
            best = new double[] {q, specificity};
        }
        return best;
    }

    private static double[] better(double[] a, double[] b) {
        return compare(a, b) >= 0 ? a : b;
    }

    private static int compare(double[] a, double[] b) {
        int byQ = Double.compare(a[0], b[0]);
        return byQ != 0 ? byQ : Double.compare(a[1], b[1]);
    }

    /**
     * Opens the stream: status and headers sent. For HEAD only they are set, and the stream is
     * already ended (a HEAD does not open a stream; Jetty sends the headers when the handler returns).
     */
    static EventStream open(Context ctx, int status) {
        boolean sse = wantsSse(ctx);
        ctx.status(status);
        ctx.res().setContentType(sse ? "text/event-stream;charset=utf-8" : "application/x-ndjson;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        if (ctx.method() == HandlerType.HEAD) {
            EventStream ended = new EventStream(OutputStream.nullOutputStream(), sse);
            ended.broken = true;
            return ended;
        }
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
