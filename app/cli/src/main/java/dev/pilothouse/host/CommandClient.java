package dev.pilothouse.host;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The client side of {@link Frames}: hands one command to the engine and relays its output and exit code. */
final class CommandClient {
    /** The engine refused the command before running it. */
    static final class Refused extends IOException {
        final Frames.Refusal why;

        Refused(Frames.Refusal why, String message) {
            super(message);
            this.why = why;
        }
    }

    private CommandClient() {
    }

    /**
     * Runs {@code args} on the engine at {@code port}.
     *
     * @return the command's exit code
     * @throws java.net.ConnectException nothing listens (the engine stopped or is not up yet)
     * @throws Refused                   the engine would not run it (and said why)
     * @throws IOException               the connection broke mid-command
     */
    static int run(int port, String secret, String build, Path cwd, List<String> args,
                   InputStream stdin, OutputStream stdout, OutputStream stderr) throws IOException {
        return run(port, secret, build, cwd, args, stdin, stdout, stderr, 0);
    }

    /** As above, giving up ({@link java.net.SocketTimeoutException}) when the engine says nothing for {@code quietMillis} (0: never). */
    static int run(int port, String secret, String build, Path cwd, List<String> args,
                   InputStream stdin, OutputStream stdout, OutputStream stderr, int quietMillis) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(quietMillis);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            Frames.writeString(out, Frames.HELLO);
            Frames.writeString(out, secret);
            Frames.writeString(out, build);
            Frames.writeString(out, cwd.toString());
            out.writeInt(args.size());
            for (String a : args) {
                Frames.writeString(out, a);
            }
            out.flush();
            while (true) {
                byte type;
                try {
                    type = in.readByte();
                } catch (EOFException e) {
                    throw new IOException("the engine closed the connection before the command finished");
                }
                byte[] payload = Frames.readPayload(in);
                switch (type) {
                    case Frames.OUT -> {
                        stdout.write(payload);
                        stdout.flush();
                    }
                    case Frames.ERR -> {
                        stderr.write(payload);
                        stderr.flush();
                    }
                    case Frames.EXIT -> {
                        return java.nio.ByteBuffer.wrap(payload).getInt();
                    }
                    case Frames.STDIN_REQUEST -> {
                        int max = java.nio.ByteBuffer.wrap(payload).getInt();
                        byte[] b = new byte[Math.max(1, Math.min(max, Frames.MAX_FRAME))];
                        int n = stdin.read(b);
                        Frames.write(out, Frames.STDIN, b, 0, Math.max(n, 0));
                    }
                    case Frames.REFUSED -> {
                        String text = new String(payload, StandardCharsets.UTF_8);
                        int sp = text.indexOf(' ');
                        throw new Refused(Frames.Refusal.valueOf(text.substring(0, sp)), text.substring(sp + 1));
                    }
                    default -> throw new IOException("unexpected frame " + type + " from the engine");
                }
            }
        }
    }
}
