package dev.pilothouse.runtime.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reading agents' log files: each run appends below a marker line, so "the previous run" is the
 * part between the last two markers, as a pod's previous container would be.
 */
final class LogFiles {
    static final String MARKER = "---- pilothouse: ";

    private LogFiles() {
    }

    /** The line above each run; {@code at} is when the process was spawned, to the microsecond. */
    static String marker(String agent, java.time.Instant at) {
        return MARKER + "agent '" + agent + "' spawned at " + at + " ----";
    }

    /** The last {@code n} lines of a file, read from its end. */
    static List<String> lastLines(Path file, int n) {
        if (n <= 0 || !Files.exists(file)) {
            return List.of();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = f.length();
            long start = startOfLastLines(f, end, n);
            byte[] tail = new byte[(int) (end - start)];
            f.seek(start);
            f.readFully(tail);
            return lines(new String(tail, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The offset just after the last newline at or before {@code end}. */
    static long lastNewlineEnd(RandomAccessFile f, long end) throws IOException {
        byte[] chunk = new byte[65536];
        for (long pos = end; pos > 0; ) {
            int len = (int) Math.min(chunk.length, pos);
            pos -= len;
            f.seek(pos);
            f.readFully(chunk, 0, len);
            for (int i = len - 1; i >= 0; i--) {
                if (chunk[i] == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }

    /** The offset where the last {@code n} complete lines before {@code end} begin. */
    static long startOfLastLines(RandomAccessFile f, long end, int n) throws IOException {
        if (n == 0) {
            return end;
        }
        byte[] chunk = new byte[65536];
        int found = 0;
        for (long pos = end; pos > 0; ) {
            int len = (int) Math.min(chunk.length, pos);
            pos -= len;
            f.seek(pos);
            f.readFully(chunk, 0, len);
            for (int i = len - 1; i >= 0; i--) {
                // the newline ending the last line does not count: we want the one before the n-th line
                if (chunk[i] == '\n' && pos + i < end - 1 && ++found == n) {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }

    /** The lines of the run before the current one (between the last two markers). */
    static List<String> previousRun(Path file) {
        List<String> all = allLines(file);
        int last = -1;
        int before = -1;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).startsWith(MARKER)) {
                before = last;
                last = i;
            }
        }
        if (before < 0) {
            return List.of();
        }
        return all.subList(before, last);
    }

    static List<String> allLines(Path file) {
        try {
            return Files.exists(file) ? lines(Files.readString(file, StandardCharsets.UTF_8)) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>(List.of(text.split("\n", -1)));
        if (out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }
}
