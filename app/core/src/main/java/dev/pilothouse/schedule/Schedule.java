package dev.pilothouse.schedule;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recurring schedule: a session from {@code template} each time {@code cron} fires in
 * {@code timezone}. {@code nextDueAt} is the run to come (claimed by moving it on); runs that fell
 * due while no engine was up are counted in {@code missedRuns}, the latest gap in {@code lastMissed}.
 *
 * @param templateVersion the version to use, or null for the template's latest at each run
 * @param lastError       why the latest run could not create its session, or null
 */
public record Schedule(String id, String name, String template, Integer templateVersion, Map<String, String> parameters,
                       String cron, String timezone, boolean paused, Instant nextDueAt, Instant lastFiredAt,
                       String lastSessionId, String lastError, int missedRuns, String lastMissed, String createdBy,
                       Instant createdAt, Instant updatedAt, Instant deletedAt) {

    public Schedule {
        parameters = Collections.unmodifiableMap(new TreeMap<>(parameters));
    }

    public boolean deleted() {
        return deletedAt != null;
    }
}
