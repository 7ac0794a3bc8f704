package dev.pilothouse.schedule;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.pilothouse.errors.InvalidInputException;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;

/**
 * A UNIX cron expression (five fields: minute hour day-of-month month day-of-week) in a time zone,
 * parsed by cron-utils. One that can never fire (the 30th of February) is refused, not stored.
 */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final String ACCEPTED = "five fields, minute hour day-of-month month day-of-week, e.g. '0 2 * * *' "
            + "(02:00 every day) or '*/15 9-17 * * 1-5'";

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;
    private final String description;

    private CronSchedule(String expression, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.zone = zone;
        this.times = ExecutionTime.forCron(cron);
        this.description = CronDescriptor.instance(Locale.UK).describe(cron);
    }

    /** Checks {@code expression} and {@code timezone} (null: UTC); bad input names what is accepted. */
    public static CronSchedule parse(String expression, String timezone) {
        if (expression == null || expression.isBlank()) {
            throw new InvalidInputException("a cron expression is needed: " + ACCEPTED, "cron");
        }
        String e = expression.trim().replaceAll("\\s+", " ");
        ZoneId zone = zone(timezone);
        Cron cron;
        try {
            cron = PARSER.parse(e).validate();
        } catch (IllegalArgumentException ex) {
            throw new InvalidInputException("cron expression '" + e + "' is not valid: " + ex.getMessage() + "; accepted: "
                    + ACCEPTED, "cron");
        }
        CronSchedule s = new CronSchedule(e, zone, cron);
        if (s.next(Instant.now()).isEmpty()) {
            throw new InvalidInputException("cron expression '" + e + "' never fires (" + s.description
                    + " names no date that exists); give one that does: " + ACCEPTED, "cron");
        }
        return s;
    }

    private static ZoneId zone(String timezone) {
        if (timezone == null || timezone.isBlank()) {
            return ZoneId.of("UTC");
        }
        try {
            return ZoneId.of(timezone.trim());
        } catch (DateTimeException ex) {
            throw new InvalidInputException("time zone '" + timezone + "' is not known; give a region such as "
                    + "Europe/Berlin or America/New_York, or UTC, or an offset such as +02:00", "timezone");
        }
    }

    /** The first time after {@code after} (strictly) that the expression fires, if any. */
    public Optional<Instant> next(Instant after) {
        return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
    }

    public String expression() {
        return expression;
    }

    public String timezone() {
        return zone.getId();
    }

    /** In words, e.g. "at 02:00". */
    public String description() {
        return description;
    }
}
