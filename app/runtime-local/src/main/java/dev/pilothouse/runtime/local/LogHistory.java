package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.LogLine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The newest lines of an agent's log with their times ({@link LogClock}), read back from the
 * current file through the rotated ones ({@code .1}, {@code .2}, …), so earlier runs are there too.
 * Only complete lines: one still being written waits for its newline.
 */
final class LogHistory {
    /** Bytes read from one file at most, whatever the lines asked for: a rotated log can outgrow its limit a little. */
    static final long MAX_READ = 32L << 20;

    private LogHistory() {
    }

    static List<LogLine> read(Path file, int keep, int max) {
        Deque<List<LogLine>> newestFirst = new ArrayDeque<>();
        int left = max;
        for (int i = 0; i <= keep && left > 0; i++) {
            Path f = i == 0 ? file : LogFiles.rotated(file, i);
            if (!Files.exists(f)) {
                if (i == 0) {
                    continue; // a new run's log not made yet: its earlier runs are still there
                }
                break;
            }
            List<LogLine> lines = lastLines(f, left);
            newestFirst.addFirst(lines);
            left -= lines.size();
        }
        List<LogLine> out = new ArrayList<>(max - left);
        newestFirst.forEach(out::addAll);
        return out;
    }

    /** The last {@code n} complete lines of one file, each at the time its end was written by. */
    static List<LogLine> lastLines(Path f, int n) {
        List<LogLine> out = new ArrayList<>();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            Instant modified = Files.getLastModifiedTime(f).toInstant();
            long end = LogFiles.lastNewlineEnd(raf, raf.length());
            long first = LogFiles.startOfLastLines(raf, end, n);
            boolean cut = first < end - MAX_READ;
            long start = cut ? end - MAX_READ : first;
            byte[] bytes = new byte[(int) (end - start)];
            raf.seek(start);
            raf.readFully(bytes);
            List<LogClock.Checkpoint> checkpoints = LogClock.read(f);
            int lineStart = 0;
            if (cut) {
                // cut by the read limit: the first line is a piece of one; begin at the next
                while (lineStart < bytes.length && bytes[lineStart] != '\n') {
                    lineStart++;
                }
                lineStart++;
            }
            for (int i = lineStart; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    String text = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    Instant at = LogFiles.isRunMarker(text) ? spawned(text) : null;
                    out.add(new LogLine(at != null ? at : LogClock.at(checkpoints, start + i + 1, modified), text));
                    lineStart = i + 1;
                }
            }
        } catch (IOException e) {
            // rotated away while being read: what was read is the answer
        }
        return out;
    }

    /** The spawn time a run's marker line names, or null. */
    private static Instant spawned(String marker) {
        int at = marker.indexOf(" spawned at ");
        int end = marker.indexOf(' ', at + " spawned at ".length());
        try {
            return at < 0 || end < 0 ? null : Instant.parse(marker.substring(at + " spawned at ".length(), end));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
