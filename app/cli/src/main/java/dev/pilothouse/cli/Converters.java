package dev.pilothouse.cli;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.session.Validation;
import picocli.CommandLine;

/** Parsers for operator-typed values, each failing with what is accepted. */
final class Converters {
    private Converters() {
    }

    /** Seconds, or a number with a unit: 300, 300s, 5m, 24h, 7d, 1h30m. */
    static final class Duration implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Validation.duration("duration", value);
            } catch (InvalidInputException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
