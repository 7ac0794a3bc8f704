package dev.pilothouse.host;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The frames of one command to its client, written by a thread of their own. A command prints line
 * by line and flushes each line; what it prints while the last write is on its way leaves in one
 * frame, so a table of a thousand rows is a few frames, not a thousand (the shell client starts a
 * process per frame). Frames keep their order; adjacent output of one stream is merged. At most
 * {@link #MAX_QUEUED} bytes wait: a command that prints faster than its client reads then waits.
 */
final class FrameSender {
    static final int MAX_QUEUED = 4 << 20;

    /** Output bytes, or a number (then {@code bytes} is empty). */
    private record Frame(byte type, byte[] bytes, Integer number) {
    }

    private final DataOutputStream out;
    private final boolean text;
    private final ArrayDeque<Frame> queue = new ArrayDeque<>();
    private final Thread thread;
    private int queuedBytes;
    private boolean writing;
    private boolean finished;
    private IOException failure;

    FrameSender(DataOutputStream out, boolean text) {
        this.out = out;
        this.text = text;
        this.thread = new Thread(this::sendLoop, "cli-frame-sender");
        thread.setDaemon(true);
        thread.start();
    }

    /** Output ({@link Frames#OUT} or {@link Frames#ERR}); the bytes are copied. */
    void output(byte type, byte[] b, int off, int len) throws IOException {
        enqueue(new Frame(type, Arrays.copyOfRange(b, off, off + len), null));
    }

    /** A frame that carries a number ({@link Frames#EXIT}, {@link Frames#STDIN_REQUEST}). */
    void number(byte type, int value) throws IOException {
        enqueue(new Frame(type, new byte[0], value));
    }

    private void enqueue(Frame f) throws IOException {
        synchronized (queue) {
            awaitWhile(() -> failure == null && !finished && queuedBytes > MAX_QUEUED, "while the client was slow to read");
            if (failure != null) {
                throw failure;
            }
            if (finished) {
                throw new IOException("the command's output is closed");
            }
            queue.add(f);
            queuedBytes += f.bytes.length;
            queue.notifyAll();
        }
    }

    /** Waits until every frame so far is written, then stops the sending thread. */
    void finish() throws IOException {
        synchronized (queue) {
            finished = true;
            queue.notifyAll();
            awaitWhile(() -> failure == null && (writing || !queue.isEmpty()), "while sending the command's last output");
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** Waits on the queue's monitor (held by the caller) while {@code condition} holds. */
    private void awaitWhile(java.util.function.BooleanSupplier condition, String when) throws InterruptedIOException {
        try {
            while (condition.getAsBoolean()) {
                queue.wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted " + when);
        }
    }

    private void sendLoop() {
        while (true) {
            Frame[] batch;
            synchronized (queue) {
                try {
                    while (queue.isEmpty() && !finished) {
                        queue.wait();
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (queue.isEmpty()) {
                    return;
                }
                batch = queue.toArray(Frame[]::new);
                queue.clear();
                queuedBytes = 0;
                writing = true;
                queue.notifyAll();
            }
            IOException failed = null;
            try {
                write(batch);
            } catch (IOException e) {
                failed = e;
            }
            synchronized (queue) {
                writing = false;
                if (failed != null) {
                    failure = failed;
                }
                queue.notifyAll();
                if (failed != null) {
                    return;
                }
            }
        }
    }

    private void write(Frame[] batch) throws IOException {
        int i = 0;
        while (i < batch.length) {
            Frame f = batch[i];
            if (f.number != null) {
                Frames.writeInt(out, text, f.type, f.number);
                i++;
                continue;
            }
            // this frame and the output of the same stream right after it, up to a frame's size
            int j = i;
            int len = 0;
            while (j < batch.length && batch[j].number == null && batch[j].type == f.type
                    && (j == i || len + batch[j].bytes.length <= Frames.MAX_FRAME)) {
                len += batch[j].bytes.length;
                j++;
            }
            byte[] merged = f.bytes;
            if (j - i > 1) {
                merged = new byte[len];
                int at = 0;
                for (int k = i; k < j; k++) {
                    System.arraycopy(batch[k].bytes, 0, merged, at, batch[k].bytes.length);
                    at += batch[k].bytes.length;
                }
            }
            for (int at = 0; at < merged.length; at += Frames.MAX_FRAME) {
                Frames.write(out, text, f.type, merged, at, Math.min(Frames.MAX_FRAME, merged.length - at));
            }
            i = j;
        }
    }
}
