package dev.pilothouse.store;

import java.time.Clock;
import java.time.Duration;

/**
 * How a {@link Store} keeps its backups. Defaults: a backup on open and while open whenever the
 * newest is older than an hour (and the store changed since), also after 10,000 commits if the
 * newest is at least 5 minutes old; the newest 10 are kept. System properties override the
 * defaults: {@code pilothouse.store.backupInterval} (e.g. {@code 30m}, {@code 2h}; {@code 0}
 * turns automatic backups off), {@code pilothouse.store.backupKeep}.
 *
 * @param clock names and ages backups
 * @param backupInterval a backup is due when the newest is this old; zero: no automatic backups
 * @param backupKeep how many automatic backups to keep
 * @param backupEveryCommits also due after this many commits since the last backup...
 * @param backupMinSpacing ...if the newest backup is at least this old
 * @param checkpointInterval how often commits are checkpointed so that store.seq can count them
 *        as written to the file (after a crash, those are the ones that must be there)
 */
public record StoreOptions(Clock clock, Duration backupInterval, int backupKeep, long backupEveryCommits,
                           Duration backupMinSpacing, Duration checkpointInterval) {

    public StoreOptions {
        if (backupKeep < 1) {
            throw new IllegalArgumentException("backupKeep must be at least 1");
        }
    }

    public static StoreOptions defaults() {
        return new StoreOptions(Clock.systemUTC(),
                duration(System.getProperty("pilothouse.store.backupInterval"), Duration.ofHours(1)),
                Integer.getInteger("pilothouse.store.backupKeep", 10), 10_000, Duration.ofMinutes(5),
                Duration.ofSeconds(1));
    }

    /** No automatic backups (tests, and the maintenance commands' own opens). */
    public StoreOptions withoutBackups() {
        return new StoreOptions(clock, Duration.ZERO, backupKeep, backupEveryCommits, backupMinSpacing,
                checkpointInterval);
    }

    public StoreOptions withClock(Clock c) {
        return new StoreOptions(c, backupInterval, backupKeep, backupEveryCommits, backupMinSpacing, checkpointInterval);
    }

    public StoreOptions withBackups(Duration interval, int keep, long everyCommits, Duration minSpacing) {
        return new StoreOptions(clock, interval, keep, everyCommits, minSpacing, checkpointInterval);
    }

    boolean automaticBackups() {
        return !backupInterval.isZero() && !backupInterval.isNegative();
    }

    static Duration duration(String text, Duration fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        String t = text.trim();
        try {
            char unit = t.charAt(t.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(t));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> fallback;
            };
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
