package dev.pilothouse.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code in} read on another thread, a few chunks ahead of the reader: unpacking a tarball then
 * inflates on one core while the other writes the files, as {@code tar xzf} does with its gzip
 * process. A failure reading {@code in} is thrown to the reader where it would have met it. Close
 * stops the reading thread and waits for it, so {@code in} is the caller's again afterwards.
 */
public final class ReadAheadInputStream extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final int CHUNKS = 8;
    private static final byte[] END = new byte[0];
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pilothouse-read-ahead");
        t.setDaemon(true);
        return t;
    });

    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(CHUNKS);
    private final Future<?> reading;
    private volatile boolean closed;
    private volatile IOException failure;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    public ReadAheadInputStream(InputStream in) {
        reading = POOL.submit(() -> {
            try {
                while (!closed) {
                    byte[] buf = new byte[CHUNK];
                    int n = in.readNBytes(buf, 0, CHUNK);
                    if (n > 0) {
                        put(n == CHUNK ? buf : java.util.Arrays.copyOf(buf, n));
                    }
                    if (n < CHUNK) {
                        break;
                    }
                }
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = e instanceof UncheckedIOException u ? u.getCause() : new IOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void put(byte[] chunk) throws InterruptedException {
        while (!closed && !chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            // the reader is slower; a close while waiting ends the loop
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current.length - pos;
    }

    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("the stream is closed");
        }
        while (pos == current.length) {
            if (ended) {
                return false;
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading ahead");
            }
            pos = 0;
            if (current == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
                return false;
            }
        }
        return true;
    }

    /** Stops reading ahead and waits until the reading thread has left {@code in}; {@code in} stays open. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        chunks.clear();
        try {
            reading.get(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping the read-ahead");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the read-ahead did not stop: " + e, e);
        }
    }
}
