package dev.pilothouse.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * When the lines of a local agent's log were written, as closely as can be known without coming
 * between the agent and its log. An agent's stdout and stderr go straight to its log file, so it
 * outlives the engine and logging costs it nothing; but a file does not record when each byte came.
 * So while an engine runs, every {@link #PERIOD_MILLIS} ms it looks at each running agent's log (one
 * {@code stat}) and, when the file grew, appends a checkpoint {@code size mtime} to a sidecar beside
 * it ({@code .<agent>.log.times}): every byte below that size was written by that time (the file's
 * last write). The runtime also takes one whenever the engine is about to talk to the agent (a
 * health check, a message), so that what the agent logged before an exchange is timed before it. A
 * line's time is the first checkpoint at or past its end: when the engine first saw it, at most a
 * period late and exact for the last line of a burst. Bytes no engine saw live
 * (written while none ran, or in the moment before a stop) get the file's mtime, its last write:
 * later than they were written, never earlier. A run's marker line carries its spawn time itself.
 *
 * <p>Bounded: a sidecar keeps at most {@link #MAX_CHECKPOINTS}; past that every other one of its
 * older half is dropped, so a long run's older lines get coarser (later) times. Sidecars rotate
 * with their logs ({@link LogFiles}) and go when the session is purged.
 *
 * <p>Not chosen: piping each agent's output through a stamping process costs work on every line and
 * a process per agent that must outlive the engine; file-change notifications (inotify) are not on
 * every platform and cost an event per write.
 */
final class LogClock {
    /** How often running agents' logs are looked at: a line's time is at most this late. */
    static final long PERIOD_MILLIS = 250;
    /** Checkpoints a sidecar keeps at most (about 45 bytes each). */
    static final int MAX_CHECKPOINTS = 4096;

    /** Every byte of the log below {@code offset} was written by {@code at}. */
    record Checkpoint(long offset, Instant at) {
    }

    /** What a followed log's sidecar holds so far, and which file (inode) that was for. */
    private static final class State {
        Object fileKey;
        long offset;
        int count;
    }

    private final Map<Path, State> states = new HashMap<>();

    static Path sidecar(Path log) {
        return log.resolveSibling("." + log.getFileName() + ".times");
    }

    /** Looks at a running agent's log and records a checkpoint when it grew. */
    synchronized void check(Path log) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(log, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            return; // looked at again in a moment
        }
        try {
            State st = states.get(log);
            if (st == null || !Objects.equals(st.fileKey, a.fileKey()) || a.size() < st.offset) {
                st = load(log, a.fileKey());
                states.put(log, st);
                if (a.size() < st.offset) {
                    // replaced or cut without its sidecar (by hand): what it said no longer fits the file
                    Files.deleteIfExists(sidecar(log));
                    st.offset = 0;
                    st.count = 0;
                }
            }
            if (a.size() > st.offset) {
                Files.writeString(sidecar(log), a.size() + " " + a.lastModifiedTime().toInstant() + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                st.offset = a.size();
                if (++st.count > MAX_CHECKPOINTS) {
                    st.count = thin(log);
                }
            }
        } catch (IOException e) {
            states.remove(log); // read again from the sidecar next time
        }
    }

    /** A log was rotated or its run ended: what is remembered of it is read from its sidecar again. */
    synchronized void forget(Path log) {
        states.remove(log);
    }

    private static State load(Path log, Object fileKey) {
        State st = new State();
        st.fileKey = fileKey;
        List<Checkpoint> cps = read(log);
        st.count = cps.size();
        st.offset = cps.isEmpty() ? 0 : cps.get(cps.size() - 1).offset();
        return st;
    }

    /** Keeps the newer half, and every other checkpoint of the older half; returns how many are left. */
    private static int thin(Path log) throws IOException {
        List<Checkpoint> cps = read(log);
        int half = cps.size() / 2;
        StringBuilder out = new StringBuilder();
        int kept = 0;
        for (int i = 0; i < cps.size(); i++) {
            if (i >= half || i % 2 == 1) {
                out.append(cps.get(i).offset()).append(' ').append(cps.get(i).at()).append('\n');
                kept++;
            }
        }
        Path tmp = sidecar(log).resolveSibling(sidecar(log).getFileName() + ".tmp");
        Files.writeString(tmp, out, StandardCharsets.UTF_8);
        Files.move(tmp, sidecar(log), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return kept;
    }

    /** A log's checkpoints, offsets rising; a line that is not one (a write cut short) is skipped. */
    static List<Checkpoint> read(Path log) {
        List<Checkpoint> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.exists(sidecar(log)) ? Files.readAllLines(sidecar(log), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            int space = line.indexOf(' ');
            try {
                Checkpoint c = new Checkpoint(Long.parseLong(line.substring(0, Math.max(0, space))),
                        Instant.parse(line.substring(space + 1)));
                if (out.isEmpty() || c.offset() > out.get(out.size() - 1).offset()) {
                    out.add(c);
                }
            } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                // not a checkpoint
            }
        }
        return out;
    }

    /** The time by which the log's bytes up to {@code end} were written: the first checkpoint that covers them, else {@code fallback}. */
    static Instant at(List<Checkpoint> checkpoints, long end, Instant fallback) {
        int lo = 0;
        int hi = checkpoints.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (checkpoints.get(mid).offset() < end) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < checkpoints.size() ? checkpoints.get(lo).at() : fallback;
    }
}
