package dev.pilothouse.host;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The frames a command's output leaves in, in both forms of the wire, and the shell client's copy of what it must match. */
class FrameSenderTest {
    /** What the client receives, frame by frame. */
    private record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private static List<Frame> binaryFrames(byte[] wire) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(wire));
        List<Frame> out = new ArrayList<>();
        while (in.available() > 0) {
            byte type = in.readByte();
            out.add(new Frame(type, Frames.readPayload(in)));
        }
        return out;
    }

    /** A stream whose first write waits until the test lets it go: what a client slow to read looks like. */
    private static final class GatedStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (this) {
                bytes.write(b, off, len);
            }
        }
    }

    @Test
    void outputPrintedWhileTheLastFrameIsOnItsWayLeavesInOneFrameInOrder() throws Exception {
        GatedStream gated = new GatedStream();
        FrameSender sender = new FrameSender(new DataOutputStream(gated), false);
        sender.output(Frames.OUT, "row 0\n".getBytes(StandardCharsets.UTF_8), 0, 6);
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the first frame is being written
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 999; i++) {
            byte[] line = ("row " + i + "\n").getBytes(StandardCharsets.UTF_8);
            sender.output(Frames.OUT, line, 0, line.length);
            expected.append("row ").append(i).append('\n');
        }
        byte[] warning = "warning: stderr between\n".getBytes(StandardCharsets.UTF_8);
        sender.output(Frames.ERR, warning, 0, warning.length);
        sender.output(Frames.OUT, "last\n".getBytes(StandardCharsets.UTF_8), 0, 5);
        sender.number(Frames.EXIT, 3);
        gated.release.countDown();
        sender.finish();

        List<Frame> frames = binaryFrames(gated.bytes.toByteArray());
        assertThat(frames).extracting(Frame::type)
                .containsExactly(Frames.OUT, Frames.OUT, Frames.ERR, Frames.OUT, Frames.EXIT);
        assertThat(frames.get(0).text()).isEqualTo("row 0\n");
        assertThat(frames.get(1).text()).isEqualTo(expected.toString());
        assertThat(frames.get(2).text()).isEqualTo("warning: stderr between\n");
        assertThat(frames.get(3).text()).isEqualTo("last\n");
        assertThat(java.nio.ByteBuffer.wrap(frames.get(4).payload()).getInt()).isEqualTo(3);
    }

    @Test
    void theShellFormHasTextHeadersDecimalNumbersAndMarksAZeroByte() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        FrameSender sender = new FrameSender(new DataOutputStream(wire), true);
        sender.output(Frames.OUT, "héllo\n".getBytes(StandardCharsets.UTF_8), 0, 7);
        sender.finish();
        // a second command's worth, so that each frame is written on its own
        FrameSender next = new FrameSender(new DataOutputStream(wire), true);
        next.output(Frames.ERR, new byte[]{'a', 0, 'b'}, 0, 3);
        next.finish();
        FrameSender last = new FrameSender(new DataOutputStream(wire), true);
        last.number(Frames.STDIN_REQUEST, 65536);
        last.number(Frames.EXIT, 42);
        last.finish();

        byte[] expected = concat("1 7\n".getBytes(StandardCharsets.US_ASCII), "héllo\n".getBytes(StandardCharsets.UTF_8),
                "2 3 binary\n".getBytes(StandardCharsets.US_ASCII), new byte[]{'a', 0, 'b'},
                "4 5\n65536".getBytes(StandardCharsets.US_ASCII), "3 2\n42".getBytes(StandardCharsets.US_ASCII));
        assertThat(wire.toByteArray()).isEqualTo(expected);
    }

    @Test
    void outputAfterTheCommandFinishedIsRefused() throws Exception {
        FrameSender sender = new FrameSender(new DataOutputStream(new ByteArrayOutputStream()), false);
        sender.finish();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sender.output(Frames.OUT, new byte[]{'x'}, 0, 1))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theShellClientFingerprintsTheSameVariablesAsTheEngine() throws Exception {
        Path root = Path.of(System.getProperty("pilothouse.root", "../.."));
        String script = Files.readString(root.resolve("packaging/launcher/handoff.bash"));
        Matcher m = Pattern.compile("(?m)^RELEVANT='\\^\\((.*)\\)\\$'$").matcher(script);
        assertThat(m.find()).as("RELEVANT='^(...)$' in handoff.bash").isTrue();
        assertThat(m.group(1)).isEqualTo(Environment.RELEVANT.pattern());
        assertThat(script).contains("'" + Frames.HELLO_SHELL + "'");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
