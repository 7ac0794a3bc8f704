package dev.pilothouse.bench;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Session;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

/**
 * Issue 15, item 7: exporting and importing a session whose workspace holds 1 GiB, against
 * {@code tar czf} and {@code tar xzf} of the same tree in the same run (target: Pilothouse at
 * least 0.8× tar's speed, i.e. at most 1.25× its time). The workspace: 1,024 files of 1 MiB, half
 * of each random (incompressible), half text, so gzip works as it would on real data. Not part of
 * {@code mvn verify}:
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.BundleBenchmark</pre>
 */
public final class BundleBenchmark {
    private static final int FILES = 1_024;
    private static final int SIZE = 1 << 20;

    private BundleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pilothouse-bundle-bench");
        System.out.println("# bundle benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version"));
        try (Engine engine = Engine.open(EngineConfig.of(dir.resolve("data")))) {
            Session s = engine.create(CreateRequest.of("big", "reference"), null).session();
            engine.pause("big");
            Path ws = new LocalRuntime(dir.resolve("data")).workspace(s.id());
            Random random = new Random(7);
            byte[] text = ("region,revenue,quarter\nnorth,1200,q4\n").repeat(SIZE / 60 + 1).getBytes();
            for (int i = 0; i < FILES; i++) {
                byte[] b = new byte[SIZE];
                random.nextBytes(b);
                System.arraycopy(text, 0, b, SIZE / 2, SIZE / 2);
                Path f = ws.resolve("d" + i / 64).resolve("f" + i + ".bin");
                Files.createDirectories(f.getParent());
                Files.write(f, b);
            }
            System.out.printf("(workspace of %,d files, %,d MiB)%n", FILES, (long) FILES * SIZE >> 20);
            Path bundle = dir.resolve("big.bundle");
            Path tarball = dir.resolve("big.tar.gz");
            double[] export = new double[3];
            double[] tar = new double[3];
            double[] imp = new double[3];
            double[] untar = new double[3];
            for (int round = 0; round < 3; round++) {
                long t = System.nanoTime();
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(bundle), 1 << 16)) {
                    engine.bundles().export("big", true, out);
                }
                export[round] = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                run("tar", "czf", tarball.toString(), "-C", ws.toString(), ".");
                tar[round] = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                Session copy;
                try (InputStream in = new BufferedInputStream(Files.newInputStream(bundle), 1 << 16)) {
                    copy = engine.bundles().importBundle(in, "copy-" + round);
                }
                imp[round] = (System.nanoTime() - t) / 1e9;
                Path into = dir.resolve("untar-" + round);
                Files.createDirectories(into);
                t = System.nanoTime();
                run("tar", "xzf", tarball.toString(), "-C", into.toString());
                untar[round] = (System.nanoTime() - t) / 1e9;
                System.out.printf("(round %d: export %.1f s, tar czf %.1f s, import %.1f s, tar xzf %.1f s; bundle %,d MiB, tarball %,d MiB)%n",
                        round + 1, export[round], tar[round], imp[round], untar[round], Files.size(bundle) >> 20,
                        Files.size(tarball) >> 20);
                engine.delete(copy.id());
                engine.purge(copy.id());
                run("rm", "-rf", into.toString());
            }
            System.out.printf("| export with the workspace (median of 3) against tar czf | %.1f s against %.1f s: %.2f× tar's speed | ≥ 0.8× |%n",
                    median(export), median(tar), median(tar) / median(export));
            System.out.printf("| import as a new session (median of 3) against tar xzf | %.1f s against %.1f s: %.2f× tar's speed | ≥ 0.8× |%n",
                    median(imp), median(untar), median(untar) / median(imp));
        } finally {
            run("rm", "-rf", dir.toString());
        }
        System.exit(0);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }
}
