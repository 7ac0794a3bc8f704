package dev.pilothouse.bench;

import dev.pilothouse.guardrails.Direction;
import dev.pilothouse.guardrails.Guardrails;
import dev.pilothouse.guardrails.PiiKind;
import dev.pilothouse.guardrails.PiiScanner;
import dev.pilothouse.guardrails.Verdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Guardrail scanning throughput (issue 14, item 2): one thread, every no-pii-exposure detector on,
 * over text that is mostly ordinary (the corpus' copies of docs/*.md and Java sources) with one line
 * of PII (a positive of the labelled corpus) every 40 lines, cut into messages at line ends.
 * Warm-up rounds, then timed rounds; prints the median MB/s (10^6 bytes of UTF-8 a second).
 * <pre>mvn -q test-compile exec:exec@bench -pl app/console -Dbench.main=dev.pilothouse.bench.GuardrailBenchmark -Dbench=all</pre>
 * ({@code -Dbench=} {@code check}, {@code scan} or {@code detectors} for one part). The corpus is read
 * from app/core/src/test/resources/guardrails under the working directory (the repository's root, as
 * exec:exec@bench runs it), or from {@code -Dguardrails.corpus=DIR}.
 */
public final class GuardrailBenchmark {
    private static final int TARGET_CHARS = 8_000_000;
    private static final int PII_EVERY = 40;
    private static final int WARMUP = 10;
    private static final long WARMUP_NANOS = 3_000_000_000L;
    private static final int ROUNDS = 9;

    private GuardrailBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        String which = args.length > 0 ? args[0] : "all";
        Path corpus = Path.of(System.getProperty("guardrails.corpus", "app/core/src/test/resources/guardrails"));
        String text = mix(corpus);
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        System.out.printf(Locale.ROOT, "# guardrail benchmark, %s, %d cores, Java %s, 1 thread; %.1f MB of text (%d chars),"
                        + " one line of PII every %d lines; median of %d rounds after %d warm-up rounds%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), bytes / 1e6, text.length(),
                PII_EVERY, ROUNDS, WARMUP);
        warmUp(text);
        System.out.println("| what | message size | MB/s (median) | min | max | findings per round |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        if (which.equals("all") || which.equals("check")) {
            for (int size : new int[] {4_000, 64_000}) {
                List<String> messages = messages(text, size);
                Guardrails redact = Guardrails.parse(List.of("no-pii-exposure:action=redact", "max-message-size"), Clock.systemUTC());
                Guardrails block = Guardrails.parse(List.of("no-pii-exposure", "max-message-size"), Clock.systemUTC());
                run("Guardrails.check, all kinds, redact", size, bytes, () -> check(redact, messages));
                run("Guardrails.check, all kinds, block", size, bytes, () -> check(block, messages));
            }
        }
        if (which.equals("all") || which.equals("scan")) {
            List<String> messages = messages(text, 4_000);
            PiiScanner all = PiiScanner.allKinds();
            run("PiiScanner.scan, all kinds", 4_000, bytes, () -> scan(all, messages));
        }
        if (which.equals("all") || which.equals("detectors")) {
            List<String> messages = messages(text, 4_000);
            for (PiiKind kind : PiiKind.values()) {
                PiiScanner one = new PiiScanner(EnumSet.of(kind));
                run("PiiScanner.scan, " + kind.wireName() + " only", 4_000, bytes, () -> scan(one, messages));
            }
        }
    }

    /** Every path the rounds take, for a few seconds, so that the first row is not measured while the JIT still compiles. */
    private static void warmUp(String text) {
        List<String> small = messages(text, 4_000);
        List<String> large = messages(text, 64_000);
        Guardrails redact = Guardrails.parse(List.of("no-pii-exposure:action=redact", "max-message-size"), Clock.systemUTC());
        Guardrails block = Guardrails.parse(List.of("no-pii-exposure", "max-message-size"), Clock.systemUTC());
        PiiScanner all = PiiScanner.allKinds();
        long until = System.nanoTime() + WARMUP_NANOS;
        while (System.nanoTime() < until) {
            check(redact, small);
            check(block, small);
            check(redact, large);
            scan(all, small);
        }
    }

    /** Ordinary text with a positive example every PII_EVERY lines, repeated to TARGET_CHARS. */
    static String mix(Path corpus) throws IOException {
        List<String> ordinary = new ArrayList<>();
        try (Stream<Path> files = Files.list(corpus.resolve("ordinary"))) {
            for (Path f : files.filter(p -> !p.getFileName().toString().endsWith(".tsv")).sorted().toList()) {
                ordinary.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        List<String> pii = new ArrayList<>();
        try (Stream<Path> files = Files.list(corpus.resolve("labelled"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.startsWith("+ ")) {
                        pii.add(line.substring(2).replace("«", "").replace("»", "").replace("\\n", "\n"));
                    }
                }
            }
        }
        if (ordinary.isEmpty() || pii.isEmpty()) {
            throw new IllegalStateException("no corpus under " + corpus.toAbsolutePath());
        }
        StringBuilder out = new StringBuilder(TARGET_CHARS + 10_000);
        int line = 0;
        int piiLine = 0;
        while (out.length() < TARGET_CHARS) {
            out.append(ordinary.get(line % ordinary.size())).append('\n');
            line++;
            if (line % PII_EVERY == 0) {
                out.append(pii.get(piiLine++ % pii.size())).append('\n');
            }
        }
        return out.toString();
    }

    /** The text cut at the first line end after every {@code size} characters. */
    static List<String> messages(String text, int size) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + size);
            int nl = text.indexOf('\n', end);
            end = nl < 0 ? text.length() : nl + 1;
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }

    private static long check(Guardrails g, List<String> messages) {
        long findings = 0;
        for (String m : messages) {
            Verdict v = g.check(Direction.TO_OPERATOR, "bench", "agent", m);
            findings += v.hits().size();
        }
        return findings;
    }

    private static long scan(PiiScanner s, List<String> messages) {
        long findings = 0;
        for (String m : messages) {
            findings += s.scan(m).size();
        }
        return findings;
    }

    private interface Round {
        long run();
    }

    private static void run(String what, int size, long bytes, Round round) {
        long findings = 0;
        for (int k = 0; k < WARMUP; k++) {
            findings = round.run();
        }
        double[] rates = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            long t0 = System.nanoTime();
            findings = round.run();
            long nanos = System.nanoTime() - t0;
            rates[k] = bytes / 1e6 / (nanos / 1e9);
        }
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "| %s | %,d chars | %.0f | %.0f | %.0f | %d |%n", what, size, rates[ROUNDS / 2], rates[0],
                rates[ROUNDS - 1], findings);
    }
}
