package dev.pilothouse.workspace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Gzip on all cores: one ordinary gzip member, what GZIPInputStream and gzip(1) read back byte for byte. */
class ParallelGzipOutputStreamTest {
    @TempDir
    Path tmp;

    /** 5.5 blocks of text and noise, written in uneven pieces. */
    private static byte[] data() {
        byte[] text = "region,revenue,quarter\nnorth,1200,q4\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        byte[] noise = new byte[(11 << 19) - text.length];
        new Random(3).nextBytes(noise);
        byte[] all = new byte[text.length + noise.length];
        System.arraycopy(noise, 0, all, 0, noise.length / 2);
        System.arraycopy(text, 0, all, noise.length / 2, text.length);
        System.arraycopy(noise, noise.length / 2, all, noise.length / 2 + text.length, noise.length - noise.length / 2);
        return all;
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out)) {
            Random r = new Random(1);
            for (int at = 0; at < data.length; ) {
                int n = Math.min(data.length - at, 1 + r.nextInt(300_000));
                if (n == 1) {
                    gz.write(data[at]);
                } else {
                    gz.write(data, at, n);
                }
                at += n;
            }
        }
        return out.toByteArray();
    }

    @Test
    void manyBlocksReadBackWholeWithGzipInputStreamAndWithGzipItself() throws Exception {
        byte[] data = data();
        byte[] gz = gzip(data);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        Path file = Files.write(tmp.resolve("x.gz"), gz);
        Process p = new ProcessBuilder("gzip", "-dc", file.toString()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEqualTo(data);
        // about what single-threaded gzip at its default level makes: the cuts cost next to nothing
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(plain)) {
            g.write(data);
        }
        assertThat((double) gz.length).isLessThan(plain.size() * 1.01);
    }

    @Test
    void emptyAndSmallStreamsAreGzipToo() throws IOException {
        for (byte[] data : new byte[][] {new byte[0], "hello\n".getBytes(StandardCharsets.UTF_8)}) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip(data)))) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }
}
