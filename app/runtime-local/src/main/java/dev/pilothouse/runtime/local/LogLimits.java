package dev.pilothouse.runtime.local;

import dev.pilothouse.errors.InvalidInputException;

import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much of each agent's log is kept: {@code <agent>.log} is the current run, and at most
 * {@code keep} older files ({@code <agent>.log.1} the newest) hold what came before: the previous
 * run, or the earlier part of a run that outgrew {@code maxBytes}.
 *
 * <p>Set with the system properties {@code pilothouse.agent-log.max-size} (bytes, or a size such
 * as 512k, 10MB, 1g; default 10MB) and {@code pilothouse.agent-log.keep} (1 to 100; default 2),
 * or the environment variables {@code PILOTHOUSE_AGENT_LOG_MAX_SIZE} and {@code PILOTHOUSE_AGENT_LOG_KEEP}.
 */
public record LogLimits(long maxBytes, int keep) {
    public static final LogLimits DEFAULT = new LogLimits(10L << 20, 2);
    static final long MIN_BYTES = 4096;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    public LogLimits {
        if (maxBytes < MIN_BYTES) {
            throw new InvalidInputException("agent log size limit " + maxBytes + " bytes is too small; give at least "
                    + MIN_BYTES + " bytes (e.g. 512k, 10MB)");
        }
        if (keep < 1 || keep > 100) {
            throw new InvalidInputException("agent logs to keep: " + keep + " is out of range; accepted: 1 to 100 "
                    + "(1 keeps the previous run)");
        }
    }

    /** From the system properties, else the environment, else the defaults. */
    public static LogLimits configured() {
        return from(name -> {
            String v = System.getProperty("pilothouse.agent-log." + name);
            return v != null ? v : System.getenv("PILOTHOUSE_AGENT_LOG_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        });
    }

    static LogLimits from(UnaryOperator<String> setting) {
        String size = setting.apply("max-size");
        String keep = setting.apply("keep");
        return new LogLimits(size == null || size.isBlank() ? DEFAULT.maxBytes : bytes(size),
                keep == null || keep.isBlank() ? DEFAULT.keep : count(keep));
    }

    static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidInputException("invalid agent log size '" + text + "': give bytes or a size such as 512k, "
                    + "10MB or 1g (pilothouse.agent-log.max-size / PILOTHOUSE_AGENT_LOG_MAX_SIZE)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).isEmpty() ? ' ' : m.group(2).charAt(0)) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> n;
        };
    }

    private static int count(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("invalid number of agent logs to keep '" + text + "': give 1 to 100 "
                    + "(pilothouse.agent-log.keep / PILOTHOUSE_AGENT_LOG_KEEP)");
        }
    }
}
