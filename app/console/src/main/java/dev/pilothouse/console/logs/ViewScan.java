package dev.pilothouse.console.logs;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lines a filter shows and the search matches among them, computed off the FX thread:
 * first over everything the store holds, then over each new batch of lines as it arrives.
 * Progress is published as immutable {@link Result}s after every step, so the view fills
 * in while a long scan runs; a scan made stale by a new filter or query is cancelled.
 */
final class ViewScan {
    private static final int STEP = 32 * 1024;

    /**
     * What the scan has found in the first {@code scanned} lines. The arrays are append-only
     * and only their first {@code rowCount} / {@code matchLineCount} entries belong to this result.
     *
     * @param rows       the lines the filter shows, ascending; null when there is no filter
     * @param matchLines the shown lines holding a match, ascending
     * @param matchEnds  for each of them, the number of matches up to and including that line
     */
    record Result(int scanned, int[] rows, int rowCount, int[] matchLines, int[] matchEnds, int matchLineCount) {
        int matchCount() {
            return matchLineCount == 0 ? 0 : matchEnds[matchLineCount - 1];
        }

        /** The line holding match {@code m} (0-based, in line order). */
        int lineOfMatch(int m) {
            return matchLines[slotOf(m)];
        }

        /** Which match of its line match {@code m} is (0-based). */
        int ordinalInLine(int m) {
            int slot = slotOf(m);
            return slot == 0 ? m : m - matchEnds[slot - 1];
        }

        /** The first match on or after {@code line}, or -1. */
        int firstMatchFrom(int line) {
            int slot = firstSlotFrom(line);
            return slot == matchLineCount ? -1 : slot == 0 ? 0 : matchEnds[slot - 1];
        }

        /** The last match on or before {@code line}, or -1. */
        int lastMatchUpTo(int line) {
            int slot = firstSlotFrom(line + 1) - 1;
            return slot < 0 ? -1 : matchEnds[slot] - 1;
        }

        private int slotOf(int m) {
            int lo = 0;
            int hi = matchLineCount - 1;
            while (lo < hi) { // the first slot whose running count exceeds m
                int mid = (lo + hi) >>> 1;
                if (matchEnds[mid] > m) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }

        private int firstSlotFrom(int line) {
            int i = Arrays.binarySearch(matchLines, 0, matchLineCount, line);
            return i >= 0 ? i : -i - 1;
        }
    }

    private final LineStore store;
    private final Pattern filter;
    private final TextQuery query;
    private final Executor worker;
    private final Runnable onProgress;
    private final int firstPass;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile Result result;
    // worker state; runs hand over through `running`, so one thread at a time sees it
    private final Matcher matcher;
    private int scanned;
    private int[] rows;
    private int rowCount;
    private int knownUpTo;  // below this line, `rows` came from an earlier scan with the same filter
    private int knownIndex;
    private int[] matchLines = new int[16];
    private int[] matchEnds = new int[16];
    private int matchLineCount;
    private int matchCount;

    /**
     * A scan for a filter (null: every line) and a query (null: no search); {@link #catchUp()} runs it
     * on {@code worker}. {@code sameFilter}, when not null, is an earlier scan's result for the same
     * store and filter, whose rows are reused rather than matched again (a new search under an
     * unchanged filter). {@code onProgress} is called on the worker after each step.
     */
    ViewScan(LineStore store, Pattern filter, TextQuery query, Result sameFilter, Executor worker, Runnable onProgress) {
        this.store = store;
        this.filter = filter;
        this.query = query;
        this.worker = worker;
        this.onProgress = onProgress;
        this.firstPass = store.size();
        this.matcher = filter == null ? null : filter.matcher("");
        if (filter != null && sameFilter != null) {
            rows = Arrays.copyOf(sameFilter.rows(), Math.max(1024, sameFilter.rowCount()));
            rowCount = sameFilter.rowCount();
            knownUpTo = sameFilter.scanned();
        } else if (filter != null) {
            rows = new int[1024];
        }
        result = new Result(0, rows, rowCount, matchLines, matchEnds, 0);
    }

    LineStore store() {
        return store;
    }

    Pattern filter() {
        return filter;
    }

    TextQuery query() {
        return query;
    }

    Result result() {
        return result;
    }

    /** Whether the scan has been through every line the store held when it began. */
    boolean firstPassDone() {
        return result.scanned() >= firstPass;
    }

    /** Scans the lines appended since the last call, on the worker, unless it is already at it. */
    void catchUp() {
        if (!cancelled && result.scanned() < store.size() && running.compareAndSet(false, true)) {
            worker.execute(this::run);
        }
    }

    void cancel() {
        cancelled = true;
    }

    /** Runs until it has caught up; a failure (a regex overflowing the stack on a huge line) ends the scan for good and is rethrown. */
    private void run() {
        try {
            do {
                int size;
                while (!cancelled && scanned < (size = store.size())) {
                    scan(scanned, Math.min(size, scanned + STEP));
                    result = new Result(scanned, rows, rowCount, matchLines, matchEnds, matchLineCount);
                    onProgress.run();
                }
                running.set(false);
                // lines appended after the loop's last look and before `running` was cleared
            } while (!cancelled && scanned < store.size() && running.compareAndSet(false, true));
        } catch (RuntimeException | StackOverflowError e) {
            cancelled = true; // retrying would fail on the same line every frame
            throw e;
        }
    }

    private void scan(int from, int to) {
        if (from < knownUpTo) {
            int end = Math.min(to, knownUpTo);
            for (; knownIndex < rowCount && rows[knownIndex] < end; knownIndex++) {
                search(rows[knownIndex]);
            }
            from = end;
        }
        for (int line = from; line < to; line++) {
            if (filter != null) {
                if (!matcher.reset(store.text(line)).find()) {
                    continue;
                }
                if (rowCount == rows.length) {
                    rows = Arrays.copyOf(rows, rowCount * 2);
                }
                rows[rowCount++] = line;
            }
            search(line);
        }
        scanned = to;
    }

    private void search(int line) {
        if (query == null) {
            return;
        }
        int start = store.start(line);
        int n = query.count(store.chunk(line), start, start + store.length(line));
        if (n > 0) {
            if (matchLineCount == matchLines.length) {
                matchLines = Arrays.copyOf(matchLines, matchLineCount * 2);
                matchEnds = Arrays.copyOf(matchEnds, matchLineCount * 2);
            }
            matchCount += n;
            matchLines[matchLineCount] = line;
            matchEnds[matchLineCount++] = matchCount;
        }
    }
}
