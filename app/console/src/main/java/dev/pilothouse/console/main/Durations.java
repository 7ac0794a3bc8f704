package dev.pilothouse.console.main;

import java.time.Duration;
import java.time.Instant;

/** Short human durations for table cells: 45s, 12m, 3h 5m, 2d 4h. */
public final class Durations {
    private Durations() {
    }

    public static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86400) {
            return s / 3600 + "h " + (s % 3600) / 60 + "m";
        }
        return s / 86400 + "d " + (s % 86400) / 3600 + "h";
    }

    public static String since(Instant t, Instant now) {
        return t == null ? "" : human(Duration.between(t, now));
    }

    public static String until(Instant t, Instant now) {
        if (t == null) {
            return "—";
        }
        return now.isAfter(t) ? "due" : human(Duration.between(now, t));
    }
}
