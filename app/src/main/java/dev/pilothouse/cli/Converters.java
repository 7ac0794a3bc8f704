package dev.pilothouse.cli;

import picocli.CommandLine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for operator-typed values, each failing with what is accepted. */
final class Converters {
    private Converters() {
    }

    /** Seconds, or a number with a unit: 300, 300s, 5m, 24h, 7d, 1h30m. */
    static final class Duration implements CommandLine.ITypeConverter<Long> {
        private static final Pattern PART = Pattern.compile("(\\d{1,9})([smhd])");

        @Override
        public Long convert(String value) {
            String v = value.trim();
            if (v.matches("\\d+")) {
                // too many digits for a long is still "out of range", which the range check words
                return v.length() > 18 ? Long.MAX_VALUE : Long.parseLong(v);
            }
            if (v.startsWith("-")) {
                throw new CommandLine.TypeConversionException("invalid duration '" + value
                        + "': it must be positive; give seconds (300) or numbers with units s, m, h, d (5m, 24h, 7d)");
            }
            Matcher m = PART.matcher(v);
            long total = 0;
            int end = 0;
            while (m.find() && m.start() == end) {
                long n = Long.parseLong(m.group(1));
                total += switch (m.group(2)) {
                    case "s" -> n;
                    case "m" -> n * 60;
                    case "h" -> n * 3600;
                    default -> n * 86400;
                };
                end = m.end();
            }
            if (end == 0 || end != v.length()) {
                throw new CommandLine.TypeConversionException("invalid duration '" + value
                        + "': give seconds (300) or numbers with units s, m, h, d (5m, 24h, 7d, 1h30m)");
            }
            return total;
        }
    }
}
