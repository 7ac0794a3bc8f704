package dev.pilothouse.metrics;

import dev.pilothouse.session.SessionState;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything known of a session's use: its latest reading, its history at one resolution (per
 * agent, and {@link Sample#SESSION} for the whole session), what its agents did, and how long it ran.
 *
 * @param runningSeconds time spent READY or BUSY, from its transitions
 * @param ageSeconds     since it was created
 */
public record SessionMetrics(String sessionId, String name, String context, SessionState state, Instant createdAt,
                             long ageSeconds, long runningSeconds, Current current, Activity activity,
                             Resolution resolution, Instant since, Map<String, List<MetricPoint>> history) {
}
