package dev.pilothouse.metrics;

import dev.pilothouse.errors.InvalidInputException;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The widths metric history is kept at, each for as long as it is worth its rows: 10 s buckets for
 * an hour, 1 min for a day, 10 min for thirty days. Every sample is folded into all three.
 */
public enum Resolution {
    TEN_SECONDS(Duration.ofSeconds(10), Duration.ofHours(1)),
    MINUTE(Duration.ofMinutes(1), Duration.ofDays(1)),
    TEN_MINUTES(Duration.ofMinutes(10), Duration.ofDays(30));

    private final Duration width;
    private final Duration kept;

    Resolution(Duration width, Duration kept) {
        this.width = width;
        this.kept = kept;
    }

    public Duration width() {
        return width;
    }

    public Duration kept() {
        return kept;
    }

    public int seconds() {
        return (int) width.toSeconds();
    }

    /** The most buckets one agent can have at this width. */
    public long maxBuckets() {
        return kept.dividedBy(width) + 1;
    }

    /** The start of the bucket holding {@code epochMillis}. */
    public long bucket(long epochMillis) {
        long w = width.toMillis();
        return Math.floorDiv(epochMillis, w) * w;
    }

    /** The finest resolution that still holds the last {@code span}. */
    public static Resolution covering(Duration span) {
        for (Resolution r : values()) {
            if (span.compareTo(r.kept) <= 0) {
                return r;
            }
        }
        return TEN_MINUTES;
    }

    /** {@code 10s}, {@code 1m}, {@code 10m}. */
    public String label() {
        return switch (this) {
            case TEN_SECONDS -> "10s";
            case MINUTE -> "1m";
            case TEN_MINUTES -> "10m";
        };
    }

    public static Resolution parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(r -> r.label().equals(t)).findFirst().orElseThrow(() ->
                new InvalidInputException("resolution '" + text + "' is not kept; accepted: "
                        + Arrays.stream(values()).map(Resolution::label).collect(Collectors.joining(", "))));
    }
}
