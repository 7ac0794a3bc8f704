package dev.pilothouse.runtime;

import java.time.Duration;

/**
 * How long a start may wait, counted fairly: a pod that waits for a node or for its image has not
 * had its chance to answer yet. The runtime bounds each step before the agents run (scheduling,
 * pulling images, creating containers) itself, by reporting the agents FAILED with its reason
 * when a step's limit passes; the engine counts the health limit from the moment they run.
 *
 * @param untilRunning every step before the agents run, together: the engine's backstop for
 *                     when the runtime cannot tell (a cluster out of reach)
 * @param health       from the agents running to every agent answering {@code /healthz}; null:
 *                     the engine's start timeout
 */
public record StartLimits(Duration untilRunning, Duration health) {
}
