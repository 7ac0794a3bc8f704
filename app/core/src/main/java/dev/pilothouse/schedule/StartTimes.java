package dev.pilothouse.schedule;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Validation;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * When a scheduled start is due, as an operator gives it: an instant ({@code --at}, ISO-8601 with
 * a zone or offset) or a delay from now ({@code --after}: 90s, 15m, 2h, 1d, 1h30m, or ISO PT2H).
 */
public final class StartTimes {
    /** A start further ahead than this is a typo more likely than a plan. */
    public static final Duration MAX_AHEAD = Duration.ofDays(366);
    private static final String AT_ACCEPTED = "give an ISO-8601 time with a zone or offset, e.g. 2026-12-24T09:00Z or "
            + "2026-12-24T10:00+01:00";
    private static final String AFTER_ACCEPTED = "give a delay such as 90s, 15m, 2h, 1d, 1h30m or PT2H";

    private StartTimes() {
    }

    /**
     * The due time of {@code at} or {@code after} (at most one may be given), checked to lie in
     * the future of {@code now}; null when neither is given.
     */
    public static Instant resolve(String at, String after, Instant now) {
        boolean hasAt = at != null && !at.isBlank();
        boolean hasAfter = after != null && !after.isBlank();
        if (hasAt && hasAfter) {
            throw new InvalidInputException("give either --at TIME or --after DELAY, not both", "scheduled_at");
        }
        if (hasAt) {
            return future(at(at), now, "scheduled_at");
        }
        return hasAfter ? now.plus(after(after)) : null;
    }

    /** An ISO-8601 instant with a zone or offset. */
    public static Instant at(String text) {
        String v = text.trim();
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("start time '" + Validation.printable(v) + "' is not a time: " + AT_ACCEPTED,
                    "scheduled_at");
        }
    }

    /** A positive delay of at most {@link #MAX_AHEAD}. */
    public static Duration after(String text) {
        String v = text.trim();
        Duration d;
        if (v.toUpperCase().startsWith("PT") || v.toUpperCase().startsWith("P")) {
            try {
                d = Duration.parse(v.toUpperCase());
            } catch (DateTimeParseException e) {
                throw new InvalidInputException("delay '" + Validation.printable(v) + "' is not a duration: "
                        + AFTER_ACCEPTED, "start_after_seconds");
            }
        } else {
            try {
                d = Duration.ofSeconds(Validation.duration("delay", v));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("delay '" + Validation.printable(v) + "' is not a duration: "
                        + AFTER_ACCEPTED, "start_after_seconds");
            }
        }
        return delay(d);
    }

    /** A delay in seconds (the REST API's {@code start_after_seconds}). */
    public static Duration delay(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new InvalidInputException("a delay before the start must be positive (" + d.getSeconds() + " s given); "
                    + AFTER_ACCEPTED, "start_after_seconds");
        }
        if (d.compareTo(MAX_AHEAD) > 0) {
            throw new InvalidInputException("a start at most " + MAX_AHEAD.toDays() + " days ahead can be scheduled ("
                    + d.toDays() + " days given)", "start_after_seconds");
        }
        return d;
    }

    /** {@code t} if it lies after {@code now} and not beyond {@link #MAX_AHEAD}. */
    public static Instant future(Instant t, Instant now, String field) {
        return future(t, now, field, "no --at/--after");
    }

    /** As {@link #future(Instant, Instant, String)}; {@code none} says how to ask for no delay (the CLI's or the API's words). */
    public static Instant future(Instant t, Instant now, String field, String none) {
        if (!t.isAfter(now)) {
            throw new InvalidInputException("start time " + Json.time(t) + " is in the past (it is now " + Json.time(now)
                    + "); give a time ahead, or " + none + " to start at once", field);
        }
        if (t.isAfter(now.plus(MAX_AHEAD))) {
            throw new InvalidInputException("start time " + Json.time(t) + " is more than " + MAX_AHEAD.toDays()
                    + " days ahead; scheduled starts reach at most that far", field);
        }
        return t;
    }
}
