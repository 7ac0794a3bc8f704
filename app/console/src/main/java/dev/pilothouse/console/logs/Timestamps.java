package dev.pilothouse.console.logs;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How a line's time is written, on screen, when copied and when saved: local time to the millisecond. */
final class Timestamps {
    static final int CHARS = 23;
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private Timestamps() {
    }

    /** The time, or an empty string for a line without one. */
    static String format(Instant time) {
        return time == null ? "" : FORMAT.format(time);
    }
}
