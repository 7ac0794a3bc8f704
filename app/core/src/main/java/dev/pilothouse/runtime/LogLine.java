package dev.pilothouse.runtime;

import java.time.Instant;

/** One line of an agent's log, with the time it was written when the runtime knows it. */
public record LogLine(Instant time, String text) {
}
