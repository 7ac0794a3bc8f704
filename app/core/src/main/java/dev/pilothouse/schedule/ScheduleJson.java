package dev.pilothouse.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

/** A schedule as JSON (CLI {@code -o json} and the REST API), snake_case like the sessions. */
public final class ScheduleJson {
    private ScheduleJson() {
    }

    public static ObjectNode toJson(Schedule s) {
        ObjectNode n = Json.object().put("id", s.id()).put("name", s.name()).put("template", s.template())
                .put("template_version", s.templateVersion());
        ObjectNode params = n.putObject("parameters");
        s.parameters().forEach(params::put);
        n.put("cron", s.cron()).put("timezone", s.timezone()).put("description", describe(s))
                .put("paused", s.paused()).put("next_due_at", Json.time(s.nextDueAt()))
                .put("last_fired_at", Json.time(s.lastFiredAt())).put("last_session_id", s.lastSessionId())
                .put("last_error", s.lastError()).put("missed_runs", s.missedRuns()).put("last_missed", s.lastMissed())
                .put("created_by", s.createdBy()).put("created_at", Json.time(s.createdAt()))
                .put("updated_at", Json.time(s.updatedAt()));
        return n;
    }

    /** The cron expression in words ("at 02:00"), or null if it no longer parses. */
    public static String describe(Schedule s) {
        try {
            return CronSchedule.parse(s.cron(), s.timezone()).description();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
