package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.metrics.Activity;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.MetricsJson;
import dev.pilothouse.metrics.Sample;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.Validation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Metrics on the command line (issue 15, item 1, docs/metrics.md): {@code sessions top}, every
 * session's CPU, memory and volume like {@code kubectl top}; {@code sessions metrics}, one
 * session's reading, activity and history.
 */
final class MetricsCommands {
    private MetricsCommands() {
    }

    /** What {@code top} sorts by, largest first (names A to Z). */
    private static final Map<String, Comparator<TopRow>> SORTS = Map.of(
            "cpu", Comparator.comparing((TopRow r) -> r.current().cpu(), Comparator.nullsFirst(Comparator.naturalOrder())).reversed(),
            "memory", Comparator.comparing((TopRow r) -> r.current().memory(), Comparator.nullsFirst(Comparator.naturalOrder())).reversed(),
            "workspace", Comparator.comparing((TopRow r) -> r.current().workspaceBytes(), Comparator.nullsFirst(Comparator.naturalOrder())).reversed(),
            "messages", Comparator.comparing((TopRow r) -> r.activity().messages()).reversed(),
            "age", Comparator.comparing(TopRow::createdAt),
            "name", Comparator.comparing(TopRow::name));

    @Command(name = "top", description = "Show each session's CPU, memory, volume size and activity, like `kubectl top`; "
            + "a running console or `pilothouse serve` samples every 5 s, otherwise the command measures for half a second")
    static final class Top extends EngineCommand {
        @Option(names = "--sort", paramLabel = "BY", defaultValue = "cpu",
                description = "cpu (default), memory, workspace, messages, age or name")
        String sort;

        @Override
        int run(Engine e, Output o) {
            Comparator<TopRow> by = SORTS.get(sort.toLowerCase(Locale.ROOT));
            if (by == null) {
                throw new InvalidInputException("cannot sort by '" + Validation.printable(sort)
                        + "'; accepted: cpu, memory, workspace, messages, age, name", "sort");
            }
            List<TopRow> rows = new ArrayList<>(e.top());
            rows.sort(by.thenComparing(TopRow::name));
            if (o.structured()) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                rows.forEach(r -> a.add(MetricsJson.top(r)));
                o.json(a);
                return 0;
            }
            o.table(List.of("NAME", "STATE", "CPU", "MEMORY", "WORKSPACE", "FILES", "MESSAGES", "ERRORS", "P50", "P95", "AGE", "NOTE"),
                    rows, r -> {
                        Current c = r.current();
                        Activity a = r.activity();
                        return List.of(r.name(), r.state().name(), Units.cpu(c.cpu()), Units.bytes(c.memory()),
                                Units.bytes(c.workspaceBytes()), c.workspaceFiles() == null ? "-" : c.workspaceFiles().toString(),
                                Integer.toString(a.messages()), Integer.toString(a.errors()), Units.millis(a.latencyP50Millis()),
                                Units.millis(a.latencyP95Millis()), o.ago(r.createdAt()).replace(" ago", ""),
                                c.unavailable() == null ? "" : c.unavailable());
                    });
            return 0;
        }
    }

    @Command(name = "metrics", description = "Show a session's latest reading, what its agents did, and its history "
            + "(10 s buckets for the last hour, 1 min for a day, 10 min for 30 days)")
    static final class Metrics extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--since", paramLabel = "SPAN", defaultValue = "1h",
                description = "How far back the history goes: 30m, 1h (default), 24h, 7d; at most 30d")
        String since;

        @Override
        int run(Engine e, Output o) {
            Duration span;
            try {
                span = Duration.ofSeconds(Validation.duration("--since", since));
            } catch (InvalidInputException bad) {
                throw new InvalidInputException(bad.getMessage(), "since");
            }
            SessionMetrics m = e.metrics(ref, span);
            if (o.structured()) {
                o.json(MetricsJson.session(m));
                return 0;
            }
            Current c = m.current();
            Activity a = m.activity();
            o.line("session   " + m.name() + " (" + m.state() + ", " + m.context() + ")");
            o.line("age       " + Output.human(Duration.ofSeconds(m.ageSeconds())) + ", running "
                    + Output.human(Duration.ofSeconds(m.runningSeconds())));
            o.line("now       cpu " + Units.cpu(c.cpu()) + ", memory " + Units.bytes(c.memory()) + ", workspace "
                    + Units.bytes(c.workspaceBytes()) + (c.workspaceFiles() == null ? "" : " in " + Units.files(c.workspaceFiles()))
                    + (c.unavailable() == null ? "" : "  (" + c.unavailable() + ")"));
            c.agents().forEach(ag -> o.line("  " + ag.agent() + ": cpu " + Units.cpu(ag.cpu()) + ", memory "
                    + Units.bytes(ag.memory()) + (ag.unavailable() == null ? "" : "  (" + ag.unavailable() + ")")));
            o.line("activity  " + a.messages() + " replies, " + a.errors() + " failed; latency p50 "
                    + Units.millis(a.latencyP50Millis()) + ", p95 " + Units.millis(a.latencyP95Millis())
                    + "; first event p50 " + Units.millis(a.firstEventP50Millis()) + ", p95 " + Units.millis(a.firstEventP95Millis())
                    + (a.inputTokens() == null ? "" : "; tokens " + a.inputTokens() + " in, " + a.outputTokens() + " out"));
            List<MetricPoint> points = m.history().getOrDefault(Sample.SESSION, List.of());
            o.line("history   " + points.size() + (points.size() == 1 ? " bucket of " : " buckets of ") + m.resolution().label() + " since " + Json.time(m.since()));
            Function<MetricPoint, List<String>> row = p -> List.of(Json.time(p.at()), Units.cpu(p.cpu()), Units.cpu(p.cpuMax()),
                    Units.bytes(p.memory()), Units.bytes(p.memoryMax()), Units.bytes(p.workspaceBytes()));
            o.table(List.of("AT", "CPU", "CPU MAX", "MEMORY", "MEMORY MAX", "WORKSPACE"), points, row);
            return 0;
        }
    }
}
