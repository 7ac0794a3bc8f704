package dev.pilothouse.bench;

import dev.pilothouse.console.Themes;
import dev.pilothouse.console.logs.LogViewer;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.testing.FxHeadless;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.text.Text;
import javafx.stage.Stage;

import java.io.BufferedReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Benchmark (b) of issue 4: the log viewer fed 2,000,000 lines of 100 bytes as fast as one feeding
 * thread makes them, in a shown window, headless (Monocle, as the tests). Not part of {@code mvn verify}:
 * <pre>mvn -q test-compile exec:exec@bench -Dbench.main=dev.pilothouse.bench.LogViewerBenchmark</pre>
 * ({@code -Dbench=10000} or {@code -Dbench=100} for one batch size only; {@code all} runs both).
 * Prints Markdown rows. With the environment variable {@code BENCH_DEBUG} set it also prints, per
 * frame, when the pulse began and how long its CSS and layout took (where frame gaps come from).
 */
public final class LogViewerBenchmark {
    private static final int LINES = 2_000_000;
    private static final int NEEDLE_EVERY = 1_000; // lines with "needle" in them: what the search finds
    private static final char[] TEMPLATE =
            "000000000 2026-11-21T09:00:00Z INFO  agent.worker - step done; tokens=0421 latency=12ms cache=hit ok"
                    .toCharArray();
    private static final int SEARCH_RUNS = 7;

    private LogViewerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (TEMPLATE.length != 100) {
            throw new IllegalStateException("a line is " + TEMPLATE.length + " chars");
        }
        FxHeadless.start(1600, 1000); // as the UI tests: Monocle's headless screen, software rendering
        Platform.setImplicitExit(false); // each run closes its window; the toolkit stays for the next
        String which = args.length > 0 ? args[0] : "all";
        System.out.println("# log viewer benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        try {
            if (which.equals("all") || which.equals("10000")) {
                run(10_000, 4); // what the local runtime hands over per 1 MiB read of a log file
            }
            if (which.equals("all") || which.equals("100")) {
                run(100, 3);
            }
        } finally {
            Platform.exit();
        }
    }

    static String line(int i) {
        char[] c = TEMPLATE.clone();
        for (int k = 8, v = i; k >= 0; k--, v /= 10) {
            c[k] = (char) ('0' + v % 10);
        }
        if (i % NEEDLE_EVERY == 7) {
            "needle".getChars(0, 6, c, 91);
        }
        return new String(c);
    }

    /** What one round of 2,000,000 lines measured. */
    private record Round(double ingestRate, double appendRate, double tailMs, int dropped, int saved, int read,
                         int wrong, boolean followed, boolean bottomIsLast, long retainedMb, double[] gaps,
                         double[] searchMs, double[] filterMs) {
    }

    /**
     * Rounds in fresh viewers (and windows) in one JVM. The first runs cold: its frames include
     * the JIT compiling the viewer's code on the same 2 cores; it is reported apart.
     */
    private static void run(int batch, int rounds) throws Exception {
        List<Round> all = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            all.add(round(batch));
        }
        List<Round> warm = all.subList(1, all.size());
        System.out.printf("%n## batches of %,d lines, one feeding thread; %d rounds of %,d lines, the first cold%n%n",
                batch, rounds, LINES);
        for (int r = 0; r < all.size(); r++) {
            Round x = all.get(r);
            System.out.printf(Locale.ROOT, "round %d: %,.0f lines/s, dropped %d, differ %d, retained %d MB, frame gap p50/p99/max %.1f/%.1f/%.1f ms (%d frames), search median %.0f ms, filter median %.0f ms%n",
                    r + 1, x.ingestRate, x.dropped, x.wrong, x.retainedMb, percentile(x.gaps, 50), percentile(x.gaps, 99),
                    percentile(x.gaps, 100), x.gaps.length, percentile(x.searchMs, 50), percentile(x.filterMs, 50));
        }
        Round cold = all.get(0);
        double[] warmGaps = warm.stream().flatMapToDouble(x -> Arrays.stream(x.gaps)).toArray();
        double[] warmSearch = warm.stream().flatMapToDouble(x -> Arrays.stream(x.searchMs)).toArray();
        double[] warmFilter = warm.stream().flatMapToDouble(x -> Arrays.stream(x.filterMs)).toArray();
        System.out.println();
        System.out.println("| what | warm rounds (median, min–max) | cold round | target |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| lines ingested/s, first append to the last line shown on screen (the feeder makes the lines too) | **%s** | %,.0f | ≥ 200,000 |%n",
                spread(warm, Round::ingestRate, "%,.0f"), cold.ingestRate);
        System.out.printf(Locale.ROOT, "| … lines/s inside `append` alone | %s | %,.0f | |%n",
                spread(warm, Round::appendRate, "%,.0f"), cold.appendRate);
        System.out.printf(Locale.ROOT, "| … from the feeder's last append to the last line shown | %s ms | %.0f ms | |%n",
                spread(warm, Round::tailMs, "%.0f"), cold.tailMs);
        System.out.printf(Locale.ROOT, "| lines dropped; lines saved back, read and differing from what was fed, over all rounds | **%d**; %,d, %,d, %d | | 0 |%n",
                all.stream().mapToInt(Round::dropped).sum(), all.stream().mapToInt(Round::saved).sum(),
                all.stream().mapToInt(Round::read).sum(), all.stream().mapToInt(Round::wrong).sum());
        System.out.printf(Locale.ROOT, "| every round still following at the end, bottom row showing the last line | %s | | |%n",
                all.stream().allMatch(x -> x.followed && x.bottomIsLast));
        System.out.printf(Locale.ROOT, "| heap retained after GC (the viewer holding all lines, minus before) | **%s MB** | %d MB | < 400 MB |%n",
                spread(warm, x -> (double) x.retainedMb, "%.0f"), cold.retainedMb);
        System.out.printf(Locale.ROOT, "| frame gap while following, p50 / **p99** / max, frames of all warm rounds together | %.1f / **%.1f** / %.1f ms (%d frames) | %.1f / %.1f / %.1f ms (%d frames) | p99 < 50 ms |%n",
                percentile(warmGaps, 50), percentile(warmGaps, 99), percentile(warmGaps, 100), warmGaps.length,
                percentile(cold.gaps, 50), percentile(cold.gaps, 99), percentile(cold.gaps, 100), cold.gaps.length);
        System.out.printf(Locale.ROOT, "| search over all lines, typed to count shown (%d per round) | **%.0f ms** (%.0f–%.0f) | %.0f ms | < 300 ms |%n",
                SEARCH_RUNS, percentile(warmSearch, 50), percentile(warmSearch, 0), percentile(warmSearch, 100),
                percentile(cold.searchMs, 50));
        System.out.printf(Locale.ROOT, "| regex filter over all lines, typed to rows shown (%d per round) | %.0f ms (%.0f–%.0f) | %.0f ms | |%n",
                cold.filterMs.length, percentile(warmFilter, 50), percentile(warmFilter, 0), percentile(warmFilter, 100),
                percentile(cold.filterMs, 50));
    }

    private static String spread(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f, String format) {
        double[] v = rounds.stream().mapToDouble(f).toArray();
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")",
                percentile(v, 50), percentile(v, 0), percentile(v, 100));
    }

    private static Round round(int batch) throws Exception {
        long baseline = heapAfterGc();
        Stage[] stage = new Stage[1];
        LogViewer viewer = fx(() -> {
            Themes.apply(false);
            LogViewer v = new LogViewer();
            Scene scene = new Scene(v, 1200, 700);
            Themes.style(scene, false);
            stage[0] = new Stage();
            stage[0].setScene(scene);
            stage[0].show();
            return v;
        });
        Label count = fx(() -> (Label) viewer.lookup(".log-line-count"));
        FrameClock clock = fx(() -> {
            FrameClock c = new FrameClock();
            c.start();
            if (System.getenv("BENCH_DEBUG") != null) {
                stage[0].getScene().addPostLayoutPulseListener(c::laidOut);
            }
            return c;
        });

        // ---- ingest while following, once the window has drawn its first frames ----
        while (fx(clock::times).length < 10) {
            Thread.onSpinWait();
        }
        String all = String.format(Locale.ROOT, "%,d lines", LINES);
        CompletableFuture<Long> shown = when(count, all::equals);
        long appendNanos = 0;
        long t0 = System.nanoTime();
        for (int start = 0; start < LINES; start += batch) {
            int end = Math.min(LINES, start + batch);
            List<LogLine> lines = new ArrayList<>(end - start);
            Instant now = Instant.now();
            for (int i = start; i < end; i++) {
                lines.add(new LogLine(now, line(i)));
            }
            long a = System.nanoTime();
            viewer.append(lines);
            appendNanos += System.nanoTime() - a;
        }
        long fed = System.nanoTime();
        shown.get(120, TimeUnit.SECONDS);
        // done when the last line is on screen, not only the count (rows may follow a flood later)
        String last = line(LINES - 1);
        long shownAt = System.nanoTime();
        for (long giveUp = shownAt + 10_000_000_000L; shownAt < giveUp; shownAt = System.nanoTime()) {
            if (last.equals(fx(() -> bottomRowText(viewer)))) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        long[] frames = fx(() -> {
            clock.stop();
            return clock.times();
        });
        double[] gaps = gaps(frames, t0, shownAt);
        if (System.getenv("BENCH_DEBUG") != null) {
            StringBuilder b = new StringBuilder("frames (ms after first append: pulse start+layout done):");
            long[] laid = fx(clock::laidOutTimes);
            for (int i = 0; i < frames.length; i++) {
                if (frames[i] >= t0 - 100_000_000L && frames[i] <= shownAt + 100_000_000L) {
                    b.append(String.format(Locale.ROOT, " %.0f+%.1f", (frames[i] - t0) / 1e6,
                            i < laid.length ? (laid[i] - frames[i]) / 1e6 : -1));
                }
            }
            System.out.println(b);
        }
        boolean followed = fx(() -> viewer.followProperty().get());
        String bottomRow = fx(() -> bottomRowText(viewer));

        // ---- nothing dropped: every line saved back and compared ----
        long retained = heapAfterGc() - baseline;
        Path file = Files.createTempFile("log-viewer-bench", ".log");
        int saved;
        int wrong = 0;
        int read = 0;
        try {
            saved = fx(() -> viewer.save(file, false)).get(120, TimeUnit.SECONDS);
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String s; (s = in.readLine()) != null; read++) {
                    if (!s.equals(line(read))) {
                        wrong++;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }

        // ---- search and filter over all lines ----
        TextField search = fx(() -> (TextField) viewer.lookup(".log-search"));
        Label matches = fx(() -> (Label) viewer.lookup(".log-match-count"));
        String found = String.format(Locale.ROOT, "%,d matches", LINES / NEEDLE_EVERY);
        String[][] queries = {{"needle", found}, {"zqxj", "no matches"}, {"NEEDLE", found}};
        double[] searchMs = new double[SEARCH_RUNS];
        for (int r = 0; r < SEARCH_RUNS; r++) {
            String[] q = queries[r % queries.length];
            searchMs[r] = timeTyping(search, q[0], matches, q[1]);
            timeTyping(search, "", matches, "");
        }
        TextField filter = fx(() -> (TextField) viewer.lookup(".log-filter"));
        String filtered = String.format(Locale.ROOT, "%,d of %,d lines", LINES / NEEDLE_EVERY, LINES);
        double[] filterMs = new double[3];
        for (int r = 0; r < filterMs.length; r++) {
            filterMs[r] = timeTyping(filter, "^\\d{9} .*needle", count, filtered);
            timeTyping(filter, "", count, all);
        }
        fx(() -> {
            stage[0].close();
            return null;
        });

        return new Round(LINES / ((shownAt - t0) / 1e9), LINES / (appendNanos / 1e9), (shownAt - fed) / 1e6,
                LINES - viewer.lineCount(), saved, read, wrong, followed, last.equals(bottomRow),
                retained / 1_000_000, gaps, searchMs, filterMs);
    }

    /** Types into a field on the FX thread and times until a label shows what it should. */
    private static double timeTyping(TextField field, String text, Label label, String expected) throws Exception {
        CompletableFuture<Long> done = when(label, expected::equals);
        long t0 = fx(() -> {
            long t = System.nanoTime();
            field.setText(text);
            return t;
        });
        return (done.get(60, TimeUnit.SECONDS) - t0) / 1e6;
    }

    /** Completes with the time a label's text first satisfies a condition (now, if it already does). */
    private static CompletableFuture<Long> when(Label label, Predicate<String> condition) throws Exception {
        CompletableFuture<Long> at = new CompletableFuture<>();
        fx(() -> {
            label.textProperty().addListener((o, was, now) -> {
                if (condition.test(now == null ? "" : now)) {
                    at.complete(System.nanoTime());
                }
            });
            return null;
        });
        return at;
    }

    /** The text of the lowest row on screen. */
    private static String bottomRowText(LogViewer viewer) {
        return viewer.lookupAll(".log-row").stream().filter(Node::isVisible)
                .max(Comparator.comparingDouble(Node::getLayoutY))
                .map(row -> ((Text) row.lookup(".log-text")).getText()).orElse(null);
    }

    private static double[] gaps(long[] frames, long from, long to) {
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < frames.length; i++) {
            if (frames[i - 1] >= from && frames[i] <= to) {
                out.add((frames[i] - frames[i - 1]) / 1e6);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static <T> T fx(Callable<T> c) throws Exception {
        return FxHeadless.fx(c);
    }

    /** When each pulse ran, from an animation timer (FX thread). */
    private static final class FrameClock extends AnimationTimer {
        private long[] times = new long[4096];
        private int n;

        @Override
        public void handle(long now) {
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
            }
            times[n++] = System.nanoTime();
        }

        long[] times() {
            return Arrays.copyOf(times, n);
        }

        private long[] laid = new long[4096];
        private int laidCount;

        /** After the pulse's layout pass (diagnostics): how long the FX thread worked in it. */
        void laidOut() {
            if (laidCount == laid.length) {
                laid = Arrays.copyOf(laid, laidCount * 2);
            }
            if (laidCount < n) {
                laid[laidCount++] = System.nanoTime();
            }
        }

        long[] laidOutTimes() {
            return Arrays.copyOf(laid, laidCount);
        }
    }
}
