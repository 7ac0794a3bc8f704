package dev.pilothouse.metrics;

/**
 * What a session's agents did, from its conversation and traces: the seed's "agent activity".
 *
 * @param messages          replies the agents finished (copied ones of a remix's parent not counted)
 * @param errors            of which failed (error, timeout, interrupted)
 * @param latencyP50Millis  from send to stored reply; null without any reply
 * @param firstEventP50Millis from send to the first streamed event; null without a traced reply
 * @param inputTokens       as the agents reported them in their done events; null when none did
 */
public record Activity(int messages, int errors, Long latencyP50Millis, Long latencyP95Millis,
                       Long firstEventP50Millis, Long firstEventP95Millis, Long inputTokens, Long outputTokens) {
}
