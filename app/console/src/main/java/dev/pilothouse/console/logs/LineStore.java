package dev.pilothouse.console.logs;

import dev.pilothouse.runtime.LogLine;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lines of one log, kept compactly: their UTF-8 text packed into large chunks and a
 * per-line index (chunk and offset, length, time) in fixed-size blocks of primitive arrays.
 * Two million lines of 100 bytes take about 300 MB instead of the ~600 MB of Strings.
 *
 * <p>Append-only. Appends are serialized by a lock held only while copying one batch; reads
 * take no lock: {@link #size()} is published last, so a reader sees every line below it.
 */
final class LineStore {
    private static final int FIRST_CHUNK = 64 * 1024;
    // below half of G1's smallest region (1 MB): a larger array is "humongous", and each one
    // allocated starts a concurrent GC cycle that competes with the FX threads for the CPU
    private static final int MAX_CHUNK = 256 * 1024;
    private static final int BLOCK_BITS = 14;
    private static final int BLOCK_SIZE = 1 << BLOCK_BITS;
    private static final long NO_TIME = Long.MIN_VALUE;

    /** The index of {@link #BLOCK_SIZE} consecutive lines. */
    private static final class Block {
        final long[] position = new long[BLOCK_SIZE]; // chunk << 32 | offset in chunk
        final int[] length = new int[BLOCK_SIZE];
        long[] time; // epoch nanos; allocated with the block's first timed line
    }

    private final ReentrantLock appendLock = new ReentrantLock();
    // Outer arrays are replaced, not grown in place, and published through volatile fields:
    // a reader that read `size` finds every chunk and block of the lines below it.
    private volatile byte[][] chunks = new byte[8][];
    private volatile Block[] blocks = new Block[8];
    private volatile int size;
    private volatile int longestLine;
    // writer state, guarded by appendLock
    private int chunkCount;
    private int chunkFill;

    int size() {
        return size;
    }

    /** The length in chars of the longest line so far (for the horizontal scroll range). */
    int longestLine() {
        return longestLine;
    }

    void append(List<LogLine> lines) {
        appendLock.lock();
        try {
            int n = size;
            int longest = longestLine;
            for (LogLine line : lines) {
                String text = line.text() == null ? "" : line.text();
                longest = Math.max(longest, text.length());
                Block block = block(n);
                int i = n & (BLOCK_SIZE - 1);
                long position = placeAscii(text);
                if (position >= 0) {
                    block.length[i] = text.length();
                } else {
                    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                    position = place(utf8);
                    block.length[i] = utf8.length;
                }
                block.position[i] = position;
                long nanos = epochNanos(line.time());
                if (nanos != NO_TIME) {
                    if (block.time == null) {
                        block.time = new long[BLOCK_SIZE];
                        Arrays.fill(block.time, NO_TIME);
                    }
                    block.time[i] = nanos;
                } else if (block.time != null) {
                    block.time[i] = NO_TIME;
                }
                n++;
            }
            longestLine = longest;
            size = n;
        } finally {
            appendLock.unlock();
        }
    }

    /** The chunk holding a line's bytes; with {@link #start} and {@link #length} for scanning them. */
    byte[] chunk(int line) {
        return chunks[(int) (blocks[line >>> BLOCK_BITS].position[line & (BLOCK_SIZE - 1)] >>> 32)];
    }

    int start(int line) {
        return (int) blocks[line >>> BLOCK_BITS].position[line & (BLOCK_SIZE - 1)];
    }

    int length(int line) {
        return blocks[line >>> BLOCK_BITS].length[line & (BLOCK_SIZE - 1)];
    }

    String text(int line) {
        return new String(chunk(line), start(line), length(line), StandardCharsets.UTF_8);
    }

    /** The time the line was written, or null when the runtime did not say. */
    Instant time(int line) {
        long[] times = blocks[line >>> BLOCK_BITS].time;
        long nanos = times == null ? NO_TIME : times[line & (BLOCK_SIZE - 1)];
        return nanos == NO_TIME ? null : Instant.ofEpochSecond(0, nanos);
    }

    private Block block(int line) {
        int b = line >>> BLOCK_BITS;
        Block[] all = blocks;
        if (b == all.length) {
            all = Arrays.copyOf(all, all.length * 2);
            blocks = all;
        }
        if (all[b] == null) {
            all[b] = new Block();
        }
        return all[b];
    }

    /**
     * Copies an all-ASCII line's chars straight into the current chunk as its UTF-8 bytes, sparing
     * a byte array per line (most log lines are ASCII). Returns its position, or -1 when the line
     * holds another character; what was copied of it then is overwritten by the next line.
     */
    private long placeAscii(String text) {
        int n = text.length();
        byte[] chunk = room(n);
        int at = chunkFill;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return -1;
            }
            chunk[at + i] = (byte) c;
        }
        chunkFill += n;
        return (long) (chunkCount - 1) << 32 | at;
    }

    /** Copies the bytes into the current chunk, or a new one when they do not fit; returns their position. */
    private long place(byte[] utf8) {
        byte[] chunk = room(utf8.length);
        System.arraycopy(utf8, 0, chunk, chunkFill, utf8.length);
        long position = (long) (chunkCount - 1) << 32 | chunkFill;
        chunkFill += utf8.length;
        return position;
    }

    /** The current chunk, after starting a new one if it has less than {@code bytes} free. */
    private byte[] room(int bytes) {
        byte[][] all = chunks;
        if (chunkCount == 0 || all[chunkCount - 1].length - chunkFill < bytes) {
            int previous = chunkCount == 0 ? FIRST_CHUNK / 2 : all[chunkCount - 1].length;
            if (chunkCount == all.length) {
                all = Arrays.copyOf(all, all.length * 2);
            }
            all[chunkCount++] = new byte[Math.max(bytes, Math.min(MAX_CHUNK, previous * 2))];
            chunks = all;
            chunkFill = 0;
        }
        return all[chunkCount - 1];
    }

    /** Nanoseconds since the epoch; times outside 1677–2262 do not fit and are kept as "no time". */
    private static long epochNanos(Instant time) {
        if (time == null) {
            return NO_TIME;
        }
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException outOfRange) {
            return NO_TIME;
        }
    }
}
