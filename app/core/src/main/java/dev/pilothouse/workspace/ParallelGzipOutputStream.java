package dev.pilothouse.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream deflated on all cores, as {@code pigz} does: the data is cut into 1 MiB blocks,
 * each deflated on a pool thread (the previous block's last 32 KiB as its dictionary, so almost
 * nothing is lost at the cuts) and ended with a sync flush, so the blocks in order are one deflate
 * stream. The result is one ordinary gzip member at gzip's default level (6) that any gunzip
 * reads; the CRC is taken here, in order, which is cheap next to deflating. At most as many
 * blocks as there are cores are in flight, so memory stays a few MiB.
 */
public final class ParallelGzipOutputStream extends OutputStream {
    private static final int BLOCK = 1 << 20;
    private static final int DICTIONARY = 32 * 1024;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, 0};
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pilothouse-gzip");
        t.setDaemon(true);
        return t;
    });

    private final OutputStream out;
    private final int inFlight = Math.max(1, Runtime.getRuntime().availableProcessors());
    private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private byte[] dictionary;
    private long total;
    private boolean headerWritten;
    private boolean finished;

    public ParallelGzipOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("the gzip stream is finished");
        }
        while (len > 0) {
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                submit(false);
            }
        }
    }

    /** Writes what is left and the gzip trailer; {@code out} stays open. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        submit(true);
        while (!pending.isEmpty()) {
            writeNext();
        }
        int c = (int) crc.getValue();
        int size = (int) total;
        out.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                (byte) size, (byte) (size >> 8), (byte) (size >> 16), (byte) (size >> 24)});
        out.flush();
    }

    @Override
    public void flush() throws IOException {
        out.flush(); // a block is deflated once full: flushing mid-block would cost compression
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            pending.forEach(f -> f.cancel(true));
            out.close();
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] data = block;
        int len = filled;
        byte[] dict = dictionary;
        crc.update(data, 0, len);
        total += len;
        dictionary = len >= DICTIONARY ? Arrays.copyOfRange(data, len - DICTIONARY, len) : null;
        block = last ? null : new byte[BLOCK];
        filled = 0;
        if (!headerWritten) {
            out.write(HEADER);
            headerWritten = true;
        }
        if (last && pending.isEmpty()) {
            out.write(deflate(data, len, dict, true)); // a small stream: no thread for it
            return;
        }
        pending.add(POOL.submit(() -> deflate(data, len, dict, last)));
        while (pending.size() > inFlight) {
            writeNext();
        }
    }

    private void writeNext() throws IOException {
        try {
            out.write(pending.removeFirst().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
        }
    }

    /** One block as raw deflate: sync-flushed to a byte boundary, or ended when it is the last. */
    private static byte[] deflate(byte[] data, int len, byte[] dict, boolean last) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            if (dict != null) {
                d.setDictionary(dict);
            }
            d.setInput(data, 0, len);
            ByteArrayOutputStream o = new ByteArrayOutputStream(len / 2 + 1024);
            byte[] buf = new byte[64 * 1024];
            if (last) {
                d.finish();
                while (!d.finished()) {
                    o.write(buf, 0, d.deflate(buf));
                }
            } else {
                int n;
                do {
                    n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                    o.write(buf, 0, n);
                } while (n == buf.length);
            }
            return o.toByteArray();
        } finally {
            d.end();
        }
    }
}
