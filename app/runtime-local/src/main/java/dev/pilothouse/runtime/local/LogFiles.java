package dev.pilothouse.runtime.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Agents' log files. Each run starts below a marker line in a fresh {@code <agent>.log}; the log
 * before it moves to {@code <agent>.log.1} (and {@code .1} to {@code .2}, up to {@link
 * LogLimits#keep()}). A run that outgrows {@link LogLimits#maxBytes()} is rotated the same way,
 * by copy and truncate, since the agent holds the file open in append mode. "The previous run" is
 * what lies between the last two markers across these files, as a pod's previous container would be.
 *
 * <p>Each file's {@link LogClock} sidecar (when its lines were written) moves with it.
 *
 * <p>Copy and truncate may lose what the agent writes in the instant between the last copy and the
 * truncation (microseconds); a rotation done outside the writing process cannot do better.
 */
final class LogFiles {
    static final String MARKER = "---- pilothouse: ";
    private static final String SPAWNED = "' spawned at ";

    private LogFiles() {
    }

    /** {@code <agent>.log.N}: the N-th older file. */
    static Path rotated(Path file, int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    static boolean isRunMarker(String line) {
        return line.startsWith(MARKER) && line.contains(SPAWNED);
    }

    /** Before a new run: the log so far becomes {@code .1}; no process writes it any more. */
    static void rotateForNewRun(Path file, LogLimits limits) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return;
        }
        try (FileLock ignored = lock(file)) {
            shift(file, limits.keep());
            Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
            moveSidecar(file, rotated(file, 1));
        }
    }

    /**
     * A running agent's log past the size limit: copied to {@code .1} and truncated; the agent
     * writes on at the new end (its file is open in append mode). False when nothing was done
     * (under the limit, or another process is rotating it now).
     */
    static boolean rotateIfLarger(Path file, LogLimits limits) throws IOException {
        if (!Files.exists(file) || Files.size(file) <= limits.maxBytes()) {
            return false;
        }
        try (FileLock lock = tryLock(file)) {
            if (lock == null || Files.size(file) <= limits.maxBytes()) {
                return false;
            }
            shift(file, limits.keep());
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileChannel out = FileChannel.open(rotated(file, 1), StandardOpenOption.CREATE,
                         StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                long copied = 0;
                long size;
                // copy until nothing new arrived during the copy, then truncate at once
                while ((size = in.size()) > copied) {
                    while (copied < size) {
                        copied += in.transferTo(copied, size - copied, out);
                    }
                }
                // .1 holds these bytes now, with their times: its sidecar, and the time of their last write
                Files.setLastModifiedTime(rotated(file, 1), Files.getLastModifiedTime(file));
                copySidecar(file, rotated(file, 1), copied);
                in.truncate(0);
                Files.deleteIfExists(LogClock.sidecar(file));
            }
            return true;
        }
    }

    /** Drops the oldest file and moves every other one down: {@code .1} to {@code .2}, ... */
    private static void shift(Path file, int keep) throws IOException {
        Files.deleteIfExists(rotated(file, keep));
        Files.deleteIfExists(LogClock.sidecar(rotated(file, keep)));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(rotated(file, i))) {
                Files.move(rotated(file, i), rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
                moveSidecar(rotated(file, i), rotated(file, i + 1));
            }
        }
    }

    /** The times of {@code from}'s lines go with it to {@code to}; a sidecar left at {@code to} from before goes. */
    private static void moveSidecar(Path from, Path to) throws IOException {
        if (Files.exists(LogClock.sidecar(from))) {
            Files.move(LogClock.sidecar(from), LogClock.sidecar(to), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(LogClock.sidecar(to));
        }
    }

    /** The checkpoints of {@code from} up to {@code bytes}, for its copy {@code to}. */
    private static void copySidecar(Path from, Path to, long bytes) throws IOException {
        StringBuilder out = new StringBuilder();
        for (LogClock.Checkpoint c : LogClock.read(from)) {
            if (c.offset() <= bytes) {
                out.append(c.offset()).append(' ').append(c.at()).append('\n');
            }
        }
        Files.writeString(LogClock.sidecar(to), out, StandardCharsets.UTF_8);
    }

    /** One rotation at a time across processes (the console and CLI commands may share a data dir). */
    private static FileLock lock(Path file) throws IOException {
        FileChannel ch = FileChannel.open(lockFile(file), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new ClosingLock(ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static FileLock tryLock(Path file) throws IOException {
        FileChannel ch = FileChannel.open(lockFile(file), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return null;
            }
            return new ClosingLock(ch, l);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            return null; // this process is rotating it already
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Path lockFile(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".lock");
    }

    /** A lock that closes its channel when released. */
    private static final class ClosingLock extends FileLock {
        private final FileLock lock;

        ClosingLock(FileChannel ch, FileLock lock) {
            super(ch, lock.position(), lock.size(), lock.isShared());
            this.lock = lock;
        }

        @Override
        public boolean isValid() {
            return lock.isValid();
        }

        @Override
        public void release() throws IOException {
            try {
                lock.release();
            } finally {
                channel().close();
            }
        }
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

    /**
     * The lines of the run before the current one: between the last two run markers, read back
     * through the rotated files. When the previous run's beginning was rotated away, what is left
     * of it, below a line saying so.
     */
    static List<String> previousRun(Path file) {
        List<List<String>> newestFirst = new ArrayList<>();
        int markers = 0;
        for (int i = 0; markers < 2; i++) {
            Path f = i == 0 ? file : rotated(file, i);
            if (!Files.exists(f)) {
                break;
            }
            List<String> lines = allLines(f);
            newestFirst.add(lines);
            markers += (int) lines.stream().filter(LogFiles::isRunMarker).count();
        }
        List<String> all = new ArrayList<>();
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            all.addAll(newestFirst.get(i));
        }
        int last = -1;
        int before = -1;
        for (int i = 0; i < all.size(); i++) {
            if (isRunMarker(all.get(i))) {
                before = last;
                last = i;
            }
        }
        if (last < 0) {
            return List.of();
        }
        if (before < 0) {
            if (last == 0) {
                return List.of();
            }
            List<String> rest = new ArrayList<>();
            rest.add("(the beginning of the previous run is no longer kept: agent logs rotate by size)");
            rest.addAll(all.subList(0, last));
            return rest;
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
