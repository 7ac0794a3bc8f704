package dev.pilothouse.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Runs CLI commands for other processes, on loopback only: each connection proves it knows the
 * data dir's secret, then one command runs here against this process's engine while its output
 * streams back. At most {@link #MAX_COMMANDS} at once; one more is told the engine is busy, and
 * the client asks again (nothing ran yet).
 */
final class CommandServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CommandServer.class);
    static final int MAX_COMMANDS = 64;
    /** A client sends its hello in one write as it connects; a connection that does not holds a slot no longer. */
    private static final int HELLO_TIMEOUT_MILLIS = 30_000;
    /** How long a busy refusal waits for the client to hang up (see {@link #refuseBusy}). */
    private static final int REFUSAL_LINGER_MILLIS = 2_000;

    private final ServerSocket socket;
    private final byte[] secret;
    private final String build;
    /** The engine's own {@link Environment} fingerprint, which a command's must match. */
    private final java.util.Map<String, String> environment;
    private final ToIntFunction<Invocation> handler;
    private final java.util.function.Consumer<String> onForeignBuild;
    /** Whether a command line is the engine's to run ({@code Handoff}); a shell client is refused the others. */
    private final java.util.function.Predicate<List<String>> engineCommand;
    /** Whether a command line only reads what serves the data dir ({@code engine status}): run for any JVM client. */
    private final java.util.function.Predicate<List<String>> statusQuery;
    private final ThreadPoolExecutor workers;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger refusedBusy = new AtomicInteger();
    /** Busy refusals wait for their client off the accepting thread; when even these pile up, the connection just closes. */
    private final ThreadPoolExecutor refusals = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(4 * MAX_COMMANDS), r -> {
                Thread t = new Thread(r, "cli-refuse");
                t.setDaemon(true);
                return t;
            });
    private final Thread acceptor;
    private volatile boolean stopping;
    private volatile long lastActivity = System.nanoTime();

    /**
     * @param onForeignBuild told (with why) when a client of another build or environment came: a
     *                       background engine then makes way
     */
    CommandServer(String secret, String build, ToIntFunction<Invocation> handler,
                  java.util.function.Predicate<List<String>> engineCommand,
                  java.util.function.Predicate<List<String>> statusQuery,
                  java.util.function.Consumer<String> onForeignBuild) throws IOException {
        this(secret, build, Environment.current(), handler, engineCommand, statusQuery, onForeignBuild);
    }

    CommandServer(String secret, String build, java.util.Map<String, String> environment, ToIntFunction<Invocation> handler,
                  java.util.function.Predicate<List<String>> engineCommand,
                  java.util.function.Predicate<List<String>> statusQuery,
                  java.util.function.Consumer<String> onForeignBuild) throws IOException {
        this.environment = environment;
        this.engineCommand = engineCommand;
        this.statusQuery = statusQuery;
        this.onForeignBuild = onForeignBuild;
        this.socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.build = build;
        this.handler = handler;
        this.workers = new ThreadPoolExecutor(0, MAX_COMMANDS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "cli-command");
            t.setDaemon(true);
            return t;
        });
        // loaded now, not at the first refusal: an upgrade that rewrites the jars under a running engine must
        // still let it refuse the new build's commands (and make way)
        Frames.Refusal.values();
        this.acceptor = new Thread(this::acceptLoop, "cli-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Commands running now. */
    int running() {
        return running.get();
    }

    /** Nanos (System.nanoTime) when a command last started or ended. */
    long lastActivity() {
        return lastActivity;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    log.warn("accepting a CLI connection failed: {}", e.toString());
                }
                continue;
            }
            try {
                workers.execute(() -> serve(s));
            } catch (RejectedExecutionException full) {
                refusedBusy.incrementAndGet();
                try {
                    refusals.execute(() -> refuseBusy(s));
                } catch (RejectedExecutionException alsoFull) {
                    closeQuietly(s);
                }
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to tell it
        }
    }

    /** Connections refused as busy so far: for tests. */
    int refusedBusy() {
        return refusedBusy.get();
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(HELLO_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            String hello = Frames.readString(in);
            boolean shell = Frames.HELLO_SHELL.equals(hello);
            if (!shell && !Frames.HELLO.equals(hello)) {
                return; // not our client
            }
            boolean known = MessageDigest.isEqual(secret, Frames.readString(in).getBytes(StandardCharsets.UTF_8));
            String clientBuild = Frames.readString(in);
            Path cwd = Path.of(Frames.readString(in));
            int n = in.readInt();
            if (n < 0 || n > 10_000) {
                return;
            }
            List<String> args = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                args.add(Frames.readString(in));
            }
            if (!known) {
                refuse(out, shell, Frames.Refusal.AUTH, "wrong secret for this data dir's engine");
                return;
            }
            int nl = clientBuild.indexOf('\n');
            String clientEnv = nl < 0 ? "" : clientBuild.substring(nl + 1);
            clientBuild = nl < 0 ? clientBuild : clientBuild.substring(0, nl);
            if (shell && !engineCommand.test(args)) {
                // before the build and environment are compared: the JVM client runs it, and nothing here makes way for it
                refuse(out, true, Frames.Refusal.LOCAL, "this command runs in the CLI's own process");
                return;
            }
            // a status query changes nothing, so neither its build nor its environment matters (nor makes way)
            boolean status = !shell && statusQuery.test(args);
            if (!status && !build.equals(clientBuild)) {
                refuse(out, shell, Frames.Refusal.BUILD, "this engine runs build " + build + ", the command is build " + clientBuild);
                onForeignBuild.accept("a command of another build came; it starts an engine of its own build");
                return;
            }
            List<String> differing = status ? List.of() : Environment.differing(environment, Environment.decode(clientEnv));
            if (!differing.isEmpty()) {
                String names = String.join(", ", differing);
                refuse(out, shell, Frames.Refusal.ENV, names);
                onForeignBuild.accept("a command with another environment came (" + names + " differ); it starts an "
                        + "engine with its own");
                return;
            }
            if (stopping) {
                refuse(out, shell, Frames.Refusal.STOPPING, "the engine is stopping");
                return;
            }
            s.setSoTimeout(0); // a command reads its client for as long as it runs
            run(in, out, shell, cwd, args);
        } catch (IOException e) {
            log.debug("CLI connection ended: {}", e.toString());
        }
    }

    private void run(DataInputStream in, DataOutputStream out, boolean text, Path cwd, List<String> args) throws IOException {
        running.incrementAndGet();
        lastActivity = System.nanoTime();
        BlockingQueue<byte[]> stdinChunks = new ArrayBlockingQueue<>(1);
        FrameSender frames = new FrameSender(out, text);
        PrintWriter stdout = new PrintWriter(new OutputStreamWriter(new FrameOutput(frames, Frames.OUT), StandardCharsets.UTF_8), true);
        PrintWriter stderr = new PrintWriter(new OutputStreamWriter(new FrameOutput(frames, Frames.ERR), StandardCharsets.UTF_8), true);
        Invocation inv = new Invocation(args, cwd, new PulledStdin(frames, stdinChunks), stdout, stderr);
        Thread reader = new Thread(() -> readClient(in, stdinChunks, inv), "cli-client-reader");
        reader.setDaemon(true);
        reader.start();
        int code = 1;
        try {
            try {
                code = handler.applyAsInt(inv);
            } catch (RuntimeException e) {
                log.error("command {} failed", args, e);
                stderr.println("error: " + e);
            } finally {
                running.decrementAndGet();
                lastActivity = System.nanoTime();
            }
            stdout.flush();
            stderr.flush();
            frames.number(Frames.EXIT, code);
        } finally {
            frames.finish(); // its thread ends, whatever became of the command
        }
    }

    /** Stdin frames go to the command; the client closing the connection cancels it. */
    private static void readClient(DataInputStream in, BlockingQueue<byte[]> stdin, Invocation inv) {
        try {
            while (true) {
                byte type = in.readByte();
                byte[] payload = Frames.readPayload(in);
                if (type == Frames.STDIN) {
                    stdin.put(payload);
                }
            }
        } catch (IOException | InterruptedException gone) {
            stdin.offer(new byte[0]);
            inv.cancel();
        }
    }

    private static void refuse(DataOutputStream out, boolean text, Frames.Refusal why, String message) throws IOException {
        byte[] b = (why.name() + " " + message).getBytes(StandardCharsets.UTF_8);
        Frames.write(out, text, Frames.REFUSED, b, 0, b.length);
    }

    /**
     * Tells a client that every slot is taken. Sent before its hello is read, so in the binary form
     * (a shell client takes it for a refusal too); then the hello is read away until the client
     * hangs up: a socket closed with unread bytes resets the connection, and a client reset before
     * it read the refusal could not tell "busy, nothing ran" from "broke while it ran".
     */
    private static void refuseBusy(Socket s) {
        try (s) {
            refuse(new DataOutputStream(new BufferedOutputStream(s.getOutputStream())), false, Frames.Refusal.BUSY,
                    "the engine is running " + MAX_COMMANDS + " commands already");
            s.shutdownOutput();
            s.setSoTimeout(REFUSAL_LINGER_MILLIS);
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client hung up or never read: it asks again or reports it could not connect
        }
    }

    /**
     * Stops taking commands, then waits up to {@code grace} for the running ones to finish; a
     * command still running then (a follow) is cut off when its connection closes.
     */
    void stop(java.time.Duration grace) {
        stopping = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
        workers.shutdown();
        try {
            workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        refusals.shutdownNow();
    }

    @Override
    public void close() {
        stop(java.time.Duration.ZERO);
    }

    /** A stream of frames of one type (stdout or stderr) on the shared connection. */
    private static final class FrameOutput extends OutputStream {
        private final FrameSender frames;
        private final byte type;

        FrameOutput(FrameSender frames, byte type) {
            this.frames = frames;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            frames.output(type, b, off, len);
        }
    }

    /** Stdin that asks the client for bytes only when the command reads. */
    private static final class PulledStdin extends InputStream {
        private final FrameSender frames;
        private final BlockingQueue<byte[]> chunks;
        private byte[] buf = new byte[0];
        private int pos;
        private boolean eof;

        PulledStdin(FrameSender frames, BlockingQueue<byte[]> chunks) {
            this.frames = frames;
            this.chunks = chunks;
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
            if (pos == buf.length) {
                if (eof) {
                    return -1;
                }
                // as much as one frame holds, whatever this read asked for: the rest waits in buf, and a
                // message of 60 KB is one request, not eight (the shell client starts processes for each)
                frames.number(Frames.STDIN_REQUEST, Frames.MAX_FRAME);
                try {
                    buf = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading stdin");
                }
                pos = 0;
                if (buf.length == 0) {
                    eof = true;
                    return -1;
                }
            }
            int n = Math.min(len, buf.length - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
