package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AgentRequest;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.session.TraceJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;

/**
 * Agent traces on the command line (issue 15, item 4): {@code sessions trace} shows what an agent
 * streamed for one reply and when; {@code sessions requests} every request and how it went;
 * {@code sessions timeline} the session's whole history in one list.
 */
final class TraceCommands {
    private TraceCommands() {
    }

    @Command(name = "trace", description = "Show what an agent streamed for one reply, event by event, with when each arrived")
    static final class Trace extends EngineCommand {
        @Parameters(index = "0", paramLabel = "SESSION")
        String ref;

        @Parameters(index = "1", paramLabel = "REPLY_ID", description = "The reply's message id (`sessions messages` shows them)")
        long replyId;

        @Override
        int run(Engine e, Output o) {
            List<TraceEvent> events = e.trace(ref, replyId);
            if (o.structured()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                events.forEach(ev -> a.add(TraceJson.event(ev)));
                o.json(a);
                return 0;
            }
            if (events.isEmpty()) {
                o.line("reply #" + replyId + " has no trace (nothing streamed, or stored before traces were kept)");
                return 0;
            }
            long[] previous = {0};
            o.table(List.of("AT", "+", "EVENT", "CHARS", "TEXT"), events, ev -> {
                long gap = ev.atMillis() - previous[0];
                previous[0] = ev.atMillis();
                return List.of(ev.atMillis() + " ms", "+" + gap, kind(ev), Integer.toString(ev.chars()), shown(ev));
            });
            return 0;
        }

        private static String kind(TraceEvent ev) {
            String k = ev.type().name().toLowerCase(Locale.ROOT);
            return ev.stream() != null ? k + " (" + ev.stream() + ")" : ev.exitCode() != null ? k + " (exit " + ev.exitCode() + ")" : k;
        }

        private static String shown(TraceEvent ev) {
            if (ev.text() == null) {
                return ev.chars() == 0 ? "" : "(not kept)";
            }
            String one = ev.text().replace("\n", "\\n");
            return one.length() > 60 ? one.substring(0, 59) + "…" : one;
        }
    }

    @Command(name = "requests", description = "List a session's requests to its agents: when, time to first event, "
            + "latency, sizes and outcome")
    static final class Requests extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--agent", paramLabel = "AGENT", description = "Only this agent's requests")
        String agent;

        @Override
        int run(Engine e, Output o) {
            List<AgentRequest> rows = e.requests(ref, agent);
            if (o.structured()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                rows.forEach(r -> a.add(TraceJson.request(r)));
                o.json(a);
                return 0;
            }
            o.table(List.of("MESSAGE", "AGENT", "SENT", "FIRST EVENT", "LATENCY", "SENT CHARS", "REPLY CHARS", "EVENTS",
                    "OUTCOME"), rows, r -> List.of("#" + r.messageId(), r.agent(), o.ago(r.sentAt()),
                    r.firstEventMillis() == null ? "-" : r.firstEventMillis() + " ms",
                    r.latencyMillis() == null ? "-" : r.latencyMillis() + " ms", Integer.toString(r.sentChars()),
                    Integer.toString(r.replyChars()), Integer.toString(r.events()),
                    r.status() == null ? "pending" : r.status().name().toLowerCase(Locale.ROOT)
                            + (r.error() == null ? "" : ": " + r.error())));
            return 0;
        }
    }

    @Command(name = "timeline", description = "Print a session's history as one timeline: transitions and other audit "
            + "events, messages, replies, the events agents streamed, metrics, and the agents' newest log lines")
    static final class Timeline extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--kind", paramLabel = "KIND", split = ",", description = "Only these kinds (transition, message, "
                + "reply, stream, metrics, log, guardrail, workspace, …)")
        List<String> kinds;

        @Override
        int run(Engine e, Output o) {
            List<TimelineEntry> entries = e.timeline(ref).stream()
                    .filter(t -> kinds == null || kinds.contains(t.kind())).toList();
            if (o.structured()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                entries.forEach(t -> a.add(TraceJson.entry(t)));
                o.json(a);
                return 0;
            }
            o.table(List.of("AT", "KIND", "AGENT", "WHAT"), entries, t -> List.of(Json.time(t.at()), t.kind(),
                    t.agent() == null ? "" : t.agent(), t.summary().replace("\n", " ")));
            return 0;
        }
    }
}
