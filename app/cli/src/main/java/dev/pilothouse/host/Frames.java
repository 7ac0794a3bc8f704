package dev.pilothouse.host;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire between a CLI process and the engine that owns its data dir, over loopback: the
 * client's hello (secret, build, working directory, arguments), then typed frames both ways
 * ({@code [type][length][payload]}). Stdin is pulled by the engine only when a command reads it,
 * so a CLI in a shell loop never swallows input meant for the loop.
 */
final class Frames {
    static final String HELLO = "pilothouse-engine/1";
    /**
     * The hello of the launcher's shell client ({@code lib/handoff.bash}): the same hello, answered
     * with frames whose header is a line of text, {@code TYPE LENGTH}, that the shell's {@code read}
     * parses (it cannot read a zero byte), and the numbers of {@link #EXIT} and {@link #STDIN_REQUEST}
     * in decimal. A command that runs in the CLI's own process is refused ({@link Refusal#LOCAL}):
     * the shell client then starts the JVM client, which runs it.
     */
    static final String HELLO_SHELL = "pilothouse-engine/1 shell";
    /** Engine to client. */
    static final byte OUT = 1;
    static final byte ERR = 2;
    static final byte EXIT = 3;
    static final byte STDIN_REQUEST = 4;
    static final byte REFUSED = 5;
    /** Client to engine; an empty one is the end of stdin. */
    static final byte STDIN = 6;

    /** Why an engine refused a command before running it. */
    enum Refusal {
        AUTH, BUILD, BUSY, STOPPING,
        /** The command's environment differs from the engine's where it matters ({@link Environment}). */
        ENV,
        /** Not an engine command: it runs in the CLI's own process (asked only by a shell client). */
        LOCAL
    }

    /**
     * What the hello's build field carries: the build, then the client's {@link Environment}
     * fingerprint on the lines after it (an engine of an older build sees another build and refuses).
     */
    static String buildAndEnvironment(String build, java.util.Map<String, String> env) {
        return build + "\n" + Environment.encode(env);
    }

    /** The most one frame carries; a larger payload is sent as several. */
    static final int MAX_FRAME = 1 << 20;

    private Frames() {
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64 * MAX_FRAME) {
            throw new IOException("malformed frame: string of " + n + " bytes");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** One binary frame. A stream has one writer: a command's frames go through its {@link FrameSender}. */
    static void write(DataOutputStream out, byte type, byte[] payload, int off, int len) throws IOException {
        write(out, false, type, payload, off, len);
    }

    /** One frame, its header binary or (for a shell client) a line of text. */
    static void write(DataOutputStream out, boolean text, byte type, byte[] payload, int off, int len) throws IOException {
        if (text) {
            // a payload with a zero byte is marked: a shell's read cannot read it, GNU head can
            out.write((type + " " + len + (hasZero(payload, off, len) ? " binary" : "") + "\n").getBytes(StandardCharsets.US_ASCII));
        } else {
            out.writeByte(type);
            out.writeInt(len);
        }
        out.write(payload, off, len);
        out.flush();
    }

    private static boolean hasZero(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** A frame that carries a number: four bytes, or its decimal digits for a shell client. */
    static void writeInt(DataOutputStream out, boolean text, byte type, int value) throws IOException {
        byte[] b = text ? Integer.toString(value).getBytes(StandardCharsets.US_ASCII)
                : java.nio.ByteBuffer.allocate(4).putInt(value).array();
        write(out, text, type, b, 0, b.length);
    }

    static byte[] readPayload(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_FRAME) {
            throw new IOException("malformed frame of " + n + " bytes");
        }
        return in.readNBytes(n);
    }
}
