package dev.pilothouse.runtime;

/**
 * How to read an agent's log.
 *
 * @param tail       how many existing lines to start with (negative: all of them)
 * @param follow     keep delivering new lines until the subscription is closed
 * @param previous   read the previous run's log instead of the current one
 */
public record LogOptions(int tail, boolean follow, boolean previous) {
    public static final LogOptions ALL = new LogOptions(-1, false, false);
}
