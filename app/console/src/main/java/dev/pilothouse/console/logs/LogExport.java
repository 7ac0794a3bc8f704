package dev.pilothouse.console.logs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writes a log's lines to a file, one per line, UTF-8, copying the stored bytes as they are. */
final class LogExport {
    private LogExport() {
    }

    /**
     * Writes the first {@code count} lines of the store, or only those the filter finds a match in,
     * each preceded by its time when {@code withTimes}. Returns the number of lines written.
     */
    static int write(Path file, LineStore store, int count, Pattern filter, boolean withTimes) throws IOException {
        Matcher matcher = filter == null ? null : filter.matcher("");
        int written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (int line = 0; line < count; line++) {
                if (matcher != null && !matcher.reset(store.text(line)).find()) {
                    continue;
                }
                if (withTimes) {
                    out.write((Timestamps.format(store.time(line)) + ' ').getBytes(StandardCharsets.UTF_8));
                }
                out.write(store.chunk(line), store.start(line), store.length(line));
                out.write('\n');
                written++;
            }
        }
        return written;
    }
}
