package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.FollowEnd;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.session.Session;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code GET /api/v0/sessions/{id}/logs?agent=&tail=&follow=&previous=}: an agent's log as plain
 * lines, or as events ({@code {"time","text"}}) when the client asks for NDJSON or SSE. A follow
 * goes on across restarts and ends, with a last line saying why, when the session stops running
 * its agents or the server stops.
 */
final class LogsApi {
    private final Streams streams;

    LogsApi(Streams streams) {
        this.streams = streams;
    }

    void register(RoutesConfig r) {
        r.get("/api/v0/sessions/{id}/logs", this::logs);
    }

    private void logs(Context ctx) throws Exception {
        Engine e = SessionsApi.scoped(ctx);
        Long tail = Query.whole(ctx, "tail", 0, 1_000_000);
        // HEAD answers as its GET would without following: the log's tail is read (and not sent), then it ends
        boolean follow = Query.bool(ctx, "follow", false) && ctx.method() != HandlerType.HEAD;
        boolean previous = Query.bool(ctx, "previous", false);
        Session session = e.session(ctx.pathParam("id"));
        String id = session.id();
        // the agent followed, as the engine picks it (the lead when none is named): its removal ends the follow
        String followed = ctx.queryParam("agent") != null ? ctx.queryParam("agent") : session.leadAgent().name();
        boolean events = EventStream.wantsStream(ctx, "text/plain");
        // opened at the first line, or once the log is open: a refusal (no such agent, purged) stays an error answer
        LazySink sink = new LazySink(() -> events ? new EventSink(EventStream.open(ctx, 200)) : new TextSink(ctx));
        // why the follow ends: an Ending with a code when it is ended from outside (the server, its token)
        CompletableFuture<Streams.Ending> end = new CompletableFuture<>();
        Runnable unsubscribe = follow ? e.subscribe(ev -> {
            if (ev instanceof EngineEvent.SessionChanged c && c.session().id().equals(id)) {
                String why = ended(c.session(), followed);
                if (why != null) {
                    end.complete(new Streams.Ending(null, why));
                }
            }
        }) : () -> { };
        Runnable unregister = follow ? streams.add(Auth.token(ctx), end::complete) : () -> { };
        try (LogSubscription sub = e.logs(id, ctx.queryParam("agent"),
                new LogOptions(tail == null ? -1 : tail.intValue(), follow, previous), sink::lines)) {
            sink.open();
            if (!follow) {
                return;
            }
            sub.ended().whenComplete((why, t) -> end.complete(new Streams.Ending(null,
                    "the log stream ended: " + (why != null ? why : t))));
            String now = ended(e.session(id), followed);
            if (now != null) {
                end.complete(new Streams.Ending(null, now));
            }
            while (!end.isDone()) {
                try {
                    end.get(15, TimeUnit.SECONDS);
                } catch (TimeoutException idle) {
                    if (!sink.keepAlive()) {
                        end.complete(new Streams.Ending(null, "the client went away"));
                    }
                }
            }
            Streams.Ending why = end.get();
            if (why.code() == null) {
                // the session stopped, but its agent's last lines may still be on the way (at once when not)
                sub.drain(FollowEnd.DRAIN);
            }
            if (why.code() == null || why.shutdown()) {
                sink.end(why.message());
            } else {
                sink.fail(why.code(), why.message()); // its token was revoked or expired
            }
        } finally {
            unregister.run();
            unsubscribe.run();
        }
    }

    /** Why a follow stops at this version of the session (the CLI's words too), or null. */
    private static String ended(Session s, String agent) {
        FollowEnd end = FollowEnd.of(s, agent);
        return end == null ? null : end.why();
    }

    private interface Sink {
        void lines(List<LogLine> lines);

        boolean keepAlive();

        void end(String why);

        void fail(String code, String message);
    }

    private record EventSink(EventStream stream) implements Sink {
        @Override
        public void lines(List<LogLine> lines) {
            for (LogLine l : lines) {
                ObjectNode n = Json.object().put("time", Json.time(l.time())).put("text", l.text());
                stream.send("line", n, null);
            }
        }

        @Override
        public boolean keepAlive() {
            return stream.keepAlive();
        }

        @Override
        public void end(String why) {
            stream.send("end", Json.object().put("reason", why), null);
        }

        @Override
        public void fail(String code, String message) {
            stream.sendError(code, message);
        }
    }

    /** A sink that opens the answer when first used, so that nothing is sent before the log could be opened. */
    private static final class LazySink implements Sink {
        private final Opener opener;
        private Sink sink;

        LazySink(Opener opener) {
            this.opener = opener;
        }

        synchronized Sink open() {
            if (sink == null) {
                try {
                    sink = opener.open();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return sink;
        }

        @Override
        public void lines(List<LogLine> lines) {
            open().lines(lines);
        }

        @Override
        public boolean keepAlive() {
            return open().keepAlive();
        }

        @Override
        public void end(String why) {
            open().end(why);
        }

        @Override
        public void fail(String code, String message) {
            open().fail(code, message);
        }

        interface Opener {
            Sink open() throws IOException;
        }
    }

    /** Plain text, one log line per line, flushed as lines arrive. */
    private static final class TextSink implements Sink {
        private final OutputStream out;
        private boolean broken;

        TextSink(Context ctx) throws IOException {
            ctx.status(200);
            ctx.res().setContentType("text/plain;charset=utf-8");
            out = ctx.res().getOutputStream();
        }

        @Override
        public synchronized void lines(List<LogLine> lines) {
            StringBuilder b = new StringBuilder();
            lines.forEach(l -> b.append(l.text()).append('\n'));
            write(b.toString());
        }

        @Override
        public synchronized boolean keepAlive() {
            return write("");
        }

        @Override
        public synchronized void end(String why) {
            write("--- stopped following: " + why + " ---\n");
        }

        @Override
        public synchronized void fail(String code, String message) {
            end(message);
        }

        private boolean write(String s) {
            if (broken) {
                return false;
            }
            try {
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
                return true;
            } catch (IOException | RuntimeException e) {
                broken = true;
                return false;
            }
        }
    }
}
