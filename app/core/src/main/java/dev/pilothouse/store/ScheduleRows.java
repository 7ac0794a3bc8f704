package dev.pilothouse.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.pilothouse.json.Json;
import dev.pilothouse.schedule.Schedule;
import org.jdbi.v3.core.Handle;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.pilothouse.store.StoreTx.instant;
import static dev.pilothouse.store.StoreTx.odt;

/** The {@code schedules} table (migration V12), within one transaction of {@link StoreTx}. */
public final class ScheduleRows {
    private static final String COLUMNS = "id, name, template, template_version, parameters, cron, timezone, paused, "
            + "next_due_at, last_fired_at, last_session_id, last_error, missed_runs, last_missed, created_by, created_at, "
            + "updated_at, deleted_at";
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final Handle h;

    ScheduleRows(Handle h) {
        this.h = h;
    }

    public void insert(Schedule s) {
        h.createUpdate("INSERT INTO schedules (" + COLUMNS + ") VALUES (:id, :name, :template, :tv, :params, :cron, "
                        + ":tz, :paused, :next, NULL, NULL, NULL, 0, NULL, :by, :at, :at, NULL)")
                .bind("id", s.id()).bind("name", s.name()).bind("template", s.template())
                .bind("tv", s.templateVersion()).bind("params", Json.compact(Json.MAPPER.valueToTree(s.parameters())))
                .bind("cron", s.cron()).bind("tz", s.timezone()).bind("paused", s.paused())
                .bind("next", odt(s.nextDueAt())).bind("by", s.createdBy()).bind("at", odt(s.createdAt()))
                .execute();
    }

    /** The live schedule of that name. */
    public Optional<Schedule> find(String name) {
        return h.createQuery("SELECT " + COLUMNS + " FROM schedules WHERE live_name = :n").bind("n", name)
                .map((rs, ctx) -> row(rs)).findOne();
    }

    /** Every live schedule, by name. */
    public List<Schedule> list() {
        return h.createQuery("SELECT " + COLUMNS + " FROM schedules WHERE deleted_at IS NULL ORDER BY name")
                .map((rs, ctx) -> row(rs)).list();
    }

    /**
     * Claims the run due at {@code due}: moves {@code next_due_at} on to {@code next} only if it still
     * is {@code due} and the schedule is live and not paused. False when another engine (or an earlier
     * run of this one) claimed it, or the schedule was paused or deleted meanwhile.
     */
    public boolean claim(String id, Instant due, Instant next, Instant at) {
        return h.createUpdate("UPDATE schedules SET next_due_at = :next, last_fired_at = :due, last_error = NULL, "
                        + "updated_at = :at WHERE id = :id AND next_due_at = :due AND NOT paused AND deleted_at IS NULL")
                .bind("id", id).bind("due", odt(due)).bind("next", odt(next)).bind("at", odt(at)).execute() == 1;
    }

    /** The session a run created, or why it could not. */
    public void recordRun(String id, String sessionId, String error, Instant at) {
        h.createUpdate("UPDATE schedules SET last_session_id = COALESCE(:s, last_session_id), last_error = :e, "
                        + "updated_at = :at WHERE id = :id")
                .bind("id", id).bind("s", sessionId).bind("e", StoreTx.clip(error, 4096)).bind("at", odt(at)).execute();
    }

    /**
     * Records {@code count} runs missed from {@code due} on and moves on to {@code next}, if
     * {@code next_due_at} still is {@code due} (another engine did not do it first).
     */
    public boolean skipMissed(String id, Instant due, Instant next, int count, String gap, Instant at) {
        return h.createUpdate("UPDATE schedules SET next_due_at = :next, missed_runs = missed_runs + :n, "
                        + "last_missed = :gap, updated_at = :at WHERE id = :id AND next_due_at = :due")
                .bind("id", id).bind("due", odt(due)).bind("next", odt(next)).bind("n", count)
                .bind("gap", StoreTx.clip(gap, 1024)).bind("at", odt(at)).execute() == 1;
    }

    /** Pauses or resumes; a resume sets the next run from now ({@code next}). */
    public void setPaused(String id, boolean paused, Instant next, Instant at) {
        h.createUpdate("UPDATE schedules SET paused = :p, next_due_at = :next, updated_at = :at WHERE id = :id")
                .bind("id", id).bind("p", paused).bind("next", odt(next)).bind("at", odt(at)).execute();
    }

    /** Soft delete: the row stays; the name may be used again. */
    public void delete(String id, Instant at) {
        h.createUpdate("UPDATE schedules SET deleted_at = :at, updated_at = :at WHERE id = :id AND deleted_at IS NULL")
                .bind("id", id).bind("at", odt(at)).execute();
    }

    private static Schedule row(ResultSet rs) throws SQLException {
        int tv = rs.getInt("template_version");
        Integer version = rs.wasNull() ? null : tv;
        Map<String, String> params;
        try {
            params = Json.MAPPER.readValue(rs.getString("parameters"), STRING_MAP);
        } catch (java.io.IOException e) {
            throw new SQLException("schedule parameters are not a JSON object: " + e.getMessage(), e);
        }
        return new Schedule(rs.getString("id"), rs.getString("name"), rs.getString("template"), version, params,
                rs.getString("cron"), rs.getString("timezone"), rs.getBoolean("paused"), instant(rs, "next_due_at"),
                instant(rs, "last_fired_at"), rs.getString("last_session_id"), rs.getString("last_error"),
                rs.getInt("missed_runs"), rs.getString("last_missed"), rs.getString("created_by"),
                instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "deleted_at"));
    }
}
