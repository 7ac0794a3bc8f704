package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.Schedule;
import dev.pilothouse.schedule.ScheduleJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "schedules", description = "Start sessions from a template on a cron schedule (docs/schedules.md)",
        subcommands = {SchedulesCommand.Create.class, SchedulesCommand.ListSchedules.class, SchedulesCommand.Show.class,
                SchedulesCommand.Pause.class, SchedulesCommand.Resume.class, SchedulesCommand.Delete.class})
final class SchedulesCommand {

    private static void print(Schedule s, Output o) {
        if (o.structured()) {
            o.json(ScheduleJson.toJson(s));
            return;
        }
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("name", s.name());
        rows.put("template", s.template() + (s.templateVersion() == null ? " (latest version)"
                : " version " + s.templateVersion()));
        rows.put("parameters", s.parameters().isEmpty() ? "none" : String.join(", ", s.parameters().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
        String words = ScheduleJson.describe(s);
        rows.put("cron", s.cron() + " (" + s.timezone() + (words == null ? "" : "; " + words) + ")");
        rows.put("paused", Boolean.toString(s.paused()));
        rows.put("next run", s.paused() ? "none while paused" : nz(Json.time(s.nextDueAt())));
        rows.put("last run", s.lastFiredAt() == null ? "never" : Json.time(s.lastFiredAt())
                + (s.lastSessionId() == null ? "" : ", session " + s.lastSessionId()));
        if (s.lastError() != null) {
            rows.put("last error", s.lastError());
        }
        rows.put("missed runs", s.missedRuns() + (s.lastMissed() == null ? "" : " (latest: " + s.lastMissed() + ")"));
        rows.put("created", Json.time(s.createdAt()) + " by " + s.createdBy());
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        rows.forEach((k, v) -> o.line(String.format("%-" + width + "s  %s", k, v)));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    @Command(name = "create", description = "Create a schedule: a session from --template each time --cron fires")
    static final class Create extends EngineCommand {
        @Parameters(paramLabel = "NAME", description = "The schedule's name; each run's session is NAME-YYYYMMDD-HHMM (UTC)")
        String name;

        @Option(names = "--template", required = true, paramLabel = "TEMPLATE", description = "The stored template "
                + "(`pilothouse templates list`)")
        String template;

        @Option(names = "--template-version", paramLabel = "N", description = "Which version (default: the latest at each run)")
        Integer templateVersion;

        @Option(names = "--param", paramLabel = "NAME=VALUE", description = "A template parameter (repeatable)")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--cron", required = true, paramLabel = "EXPR", description = "UNIX cron: minute hour "
                + "day-of-month month day-of-week, e.g. '0 2 * * *'")
        String cron;

        @Option(names = "--timezone", paramLabel = "ZONE", description = "The zone --cron is read in (default UTC), e.g. "
                + "Europe/Berlin")
        String timezone;

        @Override
        int run(Engine e, Output o) {
            Schedule s = e.createSchedule(name, template, templateVersion, params, cron, timezone);
            if (o.structured()) {
                o.json(ScheduleJson.toJson(s));
            } else {
                o.line("schedule '" + s.name() + "' created; next run " + Json.time(s.nextDueAt()));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List schedules, their next run and missed runs")
    static final class ListSchedules extends EngineCommand {
        @Override
        int run(Engine e, Output o) {
            List<Schedule> all = e.schedules();
            if (o.structured()) {
                var arr = Json.MAPPER.createArrayNode();
                all.forEach(s -> arr.add(ScheduleJson.toJson(s)));
                o.json(arr);
                return 0;
            }
            o.table(List.of("NAME", "TEMPLATE", "CRON", "TIMEZONE", "NEXT RUN", "LAST RUN", "MISSED"), all, s -> List.of(
                    s.name(), s.template(), s.cron(), s.timezone(), s.paused() ? "paused" : nz(Json.time(s.nextDueAt())),
                    s.lastFiredAt() == null ? "never" : Json.time(s.lastFiredAt()) + (s.lastError() == null ? "" : " (failed)"),
                    s.missedRuns() == 0 ? "0" : s.missedRuns() + ": " + s.lastMissed()));
            return 0;
        }
    }

    @Command(name = "show", description = "Show a schedule")
    static final class Show extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            print(e.schedule(name), o);
            return 0;
        }
    }

    @Command(name = "pause", description = "Pause a schedule: no runs until it is resumed")
    static final class Pause extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            print(e.pauseSchedule(name), o);
            return 0;
        }
    }

    @Command(name = "resume", description = "Resume a paused schedule from its next run after now (runs while paused are not made up)")
    static final class Resume extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            print(e.resumeSchedule(name), o);
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a schedule (sessions it started are kept)")
    static final class Delete extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            e.deleteSchedule(name);
            o.line("deleted schedule '" + name + "'");
            return 0;
        }
    }
}
