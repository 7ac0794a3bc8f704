package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.LogLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Follows a growing log file by offset: every complete line is delivered exactly once, in
 * order; a line still being written waits until its newline arrives. Lines seen while following
 * carry the time they were read (local processes write plain text without times).
 */
final class LogFollower {
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final int tail;
    private final Consumer<List<LogLine>> sink;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long position;
    /** The identity (inode) of the file being followed, to notice it was moved aside. */
    private Object fileKey;

    LogFollower(Path file, int tail, Consumer<List<LogLine>> sink) {
        this.file = file;
        this.tail = tail;
        this.sink = sink;
    }

    /** Delivers the existing tail (complete lines only) and remembers where it ended. */
    synchronized void readInitial() {
        if (!Files.exists(file)) {
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            fileKey = key(file);
            long end = LogFiles.lastNewlineEnd(f, f.length());
            long start = tail < 0 ? 0 : LogFiles.startOfLastLines(f, end, tail);
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, end - start)];
            f.seek(end - bytes.length);
            f.readFully(bytes);
            position = end;
            deliver(bytes, bytes.length, null);
        } catch (IOException e) {
            // the file may be replaced between the check and the read; the next poll starts over
            position = 0;
        }
    }

    /**
     * Reads what was appended since the last call. A log rotated meanwhile (moved to {@code .1}
     * for a new run, or copied there and truncated at the size limit) is first read to its end
     * in {@code .1}, then followed from the beginning of the new file: no line is lost or repeated.
     */
    synchronized void poll() {
        try {
            if (!Files.exists(file)) {
                return;
            }
            Object key = key(file);
            long size = Files.size(file);
            boolean replaced = fileKey != null && key != null && !fileKey.equals(key);
            if (replaced || size < position) {
                Path older = LogFiles.rotated(file, 1);
                // the rest of what was followed is now in .1: renamed (the same file) or copied (the same bytes)
                boolean sameBytes = Files.exists(older) && (replaced ? fileKey.equals(key(older))
                        : Files.size(older) >= position);
                if (sameBytes) {
                    readFrom(older, Files.size(older));
                } else {
                    partial.reset();
                }
                position = 0;
            }
            fileKey = key;
            size = Files.size(file);
            if (size > position) {
                readFrom(file, size);
            }
        } catch (IOException | RuntimeException e) {
            // a transient read failure is retried at the next poll, from the same offset
        }
    }

    private void readFrom(Path f0, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(f0.toFile(), "r")) {
            byte[] buf = new byte[CHUNK];
            while (position < size) {
                f.seek(position);
                int n = f.read(buf, 0, (int) Math.min(buf.length, size - position));
                if (n <= 0) {
                    break;
                }
                position += n;
                deliver(buf, n, Instant.now());
            }
        }
    }

    private static Object key(Path f) throws IOException {
        return Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    private void deliver(byte[] buf, int len, Instant time) {
        List<LogLine> lines = new ArrayList<>();
        int lineStart = 0;
        for (int i = 0; i < len; i++) {
            if (buf[i] == '\n') {
                String text;
                if (partial.size() > 0) {
                    partial.write(buf, lineStart, i - lineStart);
                    text = partial.toString(StandardCharsets.UTF_8);
                    partial.reset();
                } else {
                    text = new String(buf, lineStart, i - lineStart, StandardCharsets.UTF_8);
                }
                lines.add(new LogLine(time, text));
                lineStart = i + 1;
            }
        }
        partial.write(buf, lineStart, len - lineStart);
        if (!lines.isEmpty()) {
            sink.accept(lines);
        }
    }
}
