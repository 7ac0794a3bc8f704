package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.LogLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** When local log lines were written: checkpoints the engine takes, the file's time for the rest; rotated with the logs. */
class LogClockTest {
    private static final Instant T1 = Instant.parse("2026-12-05T10:00:01Z");
    private static final Instant T2 = Instant.parse("2026-12-05T10:00:02Z");
    private static final Instant T3 = Instant.parse("2026-12-05T10:00:03Z");
    private static final Instant T4 = Instant.parse("2026-12-05T10:00:04Z");

    @TempDir
    Path dir;

    /** The agent writes {@code text}; the file's last write is then {@code at} (set, so the test need not wait for a clock). */
    private static void write(Path log, String text, Instant at) throws Exception {
        Files.writeString(log, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.setLastModifiedTime(log, FileTime.from(at));
    }

    @Test
    void aLineIsTimedByTheFirstCheckpointThatSawItAndTheFilesLastWriteWhenNoneDid() throws Exception {
        Path log = dir.resolve("reference.log");
        LogClock clock = new LogClock();
        write(log, "a\nb\n", T1);
        clock.check(log);
        clock.check(log); // nothing new: no checkpoint
        write(log, "c\n", T2);
        clock.check(log);
        write(log, "d\npart", T3); // d never seen live; "part" is still being written

        assertThat(LogClock.read(log)).containsExactly(new LogClock.Checkpoint(4, T1), new LogClock.Checkpoint(6, T2));
        assertThat(LogHistory.read(log, 2, 100)).containsExactly(new LogLine(T1, "a"), new LogLine(T1, "b"),
                new LogLine(T2, "c"), new LogLine(T3, "d"));
        assertThat(LogHistory.read(log, 2, 2)).extracting(LogLine::text).containsExactly("c", "d");

        // a new engine process takes up where the sidecar ends, without repeating checkpoints
        LogClock next = new LogClock();
        next.check(log);
        assertThat(LogClock.read(log)).hasSize(3).last().isEqualTo(new LogClock.Checkpoint(12, T3));
    }

    @Test
    void checkpointsGoWithTheirBytesWhenTheLogRotatesAndRunsAreReadBackAcrossFiles() throws Exception {
        Path log = dir.resolve("reference.log");
        LogClock clock = new LogClock();
        LogLimits limits = new LogLimits(LogLimits.MIN_BYTES, 2);
        String marker = LogFiles.marker("reference", T1);
        write(log, marker + "\nfirst run\n", T2);
        clock.check(log);
        // a new run: the first run's log and its times move to .1
        LogFiles.rotateForNewRun(log, limits);
        clock.forget(log);
        write(log, "second run\n", T3);
        clock.check(log);
        // the second run outgrows the limit: copied to .1 (the first run to .2) and cut, times with them
        String big = "x".repeat(5000) + "\n";
        write(log, big, T4);
        clock.check(log);
        assertThat(LogFiles.rotateIfLarger(log, limits)).isTrue();
        clock.forget(log);
        write(log, "after the cut\n", T4.plusSeconds(1));

        assertThat(LogClock.read(LogFiles.rotated(log, 2))).hasSize(1);
        assertThat(LogClock.read(log)).isEmpty();
        List<LogLine> all = LogHistory.read(log, 2, 100);
        // the marker carries its spawn time; each line the time it was seen by
        assertThat(all).containsExactly(new LogLine(T1, marker), new LogLine(T2, "first run"),
                new LogLine(T3, "second run"), new LogLine(T4, big.strip()), new LogLine(T4.plusSeconds(1), "after the cut"));
        assertThat(LogHistory.read(log, 2, 2)).extracting(LogLine::text).containsExactly(big.strip(), "after the cut");
        // keep 1: the oldest file is not read
        assertThat(LogHistory.read(log, 1, 100)).hasSize(3);
    }

    @Test
    void aSidecarIsBoundedByThinningItsOlderHalf() throws Exception {
        Path log = dir.resolve("chatty.log");
        LogClock clock = new LogClock();
        Instant t = T1;
        for (int i = 0; i <= LogClock.MAX_CHECKPOINTS; i++) {
            t = t.plusMillis(250);
            write(log, "line " + i + "\n", t);
            clock.check(log);
        }
        List<LogClock.Checkpoint> kept = LogClock.read(log);
        assertThat(kept.size()).isLessThan(LogClock.MAX_CHECKPOINTS).isGreaterThanOrEqualTo(LogClock.MAX_CHECKPOINTS / 2);
        // the newest lines keep their own times; an older line whose checkpoint went gets the next one's: later, never earlier
        List<LogLine> lines = LogHistory.read(log, 1, Integer.MAX_VALUE);
        assertThat(lines).hasSize(LogClock.MAX_CHECKPOINTS + 1);
        assertThat(lines.get(lines.size() - 1).time()).isEqualTo(t);
        assertThat(lines.get(0).time()).isEqualTo(T1.plusMillis(500));
        assertThat(lines).extracting(LogLine::time).isSorted();
    }
}
