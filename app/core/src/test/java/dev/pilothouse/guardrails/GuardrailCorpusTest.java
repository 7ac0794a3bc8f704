package dev.pilothouse.guardrails;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recall and false positives of every detector on the corpus (docs/guardrails.md has the table this
 * prints): a positive counts as found when a finding of its kind has exactly its offsets; any finding
 * on a negative line is a false positive of the kind found; on ordinary text every hit is listed in
 * ordinary/hits.tsv, judged a true find (the text really holds an address, say) or a false positive,
 * so that a new hit fails this test until someone has looked at it.
 */
class GuardrailCorpusTest {
    private final PiiScanner scanner = PiiScanner.allKinds();

    /** Recall bounds per kind: all 100 % but high-entropy, which misses random tokens that happen to look like words. */
    private static double minimumRecall(PiiKind kind) {
        return kind == PiiKind.HIGH_ENTROPY ? 0.98 : 1.0;
    }

    @Test
    void everyDetectorFindsItsPositivesAndNothingInItsNegatives() {
        Map<PiiKind, int[]> rows = new EnumMap<>(PiiKind.class); // positives, found, negatives, false positives
        List<String> problems = new ArrayList<>();
        for (PiiKind kind : PiiKind.values()) {
            int[] row = new int[4];
            for (Corpus.Example e : Corpus.labelled(kind)) {
                List<Finding> found = scanner.scan(e.text());
                if (e.positive()) {
                    for (Finding expected : e.expected()) {
                        row[0]++;
                        if (found.contains(expected)) {
                            row[1]++;
                        } else {
                            problems.add(kind.wireName() + ":" + e.line() + " missed " + expected + " in: " + e.text()
                                    + " found " + found);
                        }
                    }
                    for (Finding f : found) {
                        if (e.expected().stream().noneMatch(f::overlaps)) { // a partial find is a miss, counted above
                            problems.add(kind.wireName() + ":" + e.line() + " extra " + f + " in positive: " + e.text());
                        }
                    }
                } else {
                    row[2]++;
                    for (Finding f : found) {
                        if (e.allowed().contains(f.kind())) {
                            continue;
                        }
                        row[3]++;
                        problems.add(kind.wireName() + ":" + e.line() + " false positive " + f + " \""
                                + e.text().substring(f.start(), f.end()) + "\" in: " + e.text());
                    }
                }
            }
            rows.put(kind, row);
        }
        problems.forEach(p -> System.out.println("corpus: " + p));
        System.out.println("| kind | positives | found | recall | labelled negatives | false positives |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        rows.forEach((kind, r) -> System.out.printf("| %s | %d | %d | %.1f %% | %d | %d |%n", kind.wireName(), r[0], r[1],
                100.0 * r[1] / r[0], r[2], r[3]));
        rows.forEach((kind, r) -> {
            assertThat(r[0]).as(kind + " positives").isGreaterThanOrEqualTo(8);
            assertThat(r[2]).as(kind + " negatives").isGreaterThanOrEqualTo(7);
            assertThat((double) r[1] / r[0]).as(kind + " recall").isGreaterThanOrEqualTo(minimumRecall(kind));
            assertThat(r[3]).as(kind + " false positives on its labelled negatives").isZero();
        });
        assertThat(problems.stream().filter(p -> p.contains(" extra "))).as("findings beyond the marked spans").isEmpty();
    }

    /** One hit on ordinary text as ordinary/hits.tsv lists it: file, kind, the matched text, true or false positive. */
    record OrdinaryHit(String file, String kind, String text, boolean falsePositive) {
    }

    @Test
    void onOrdinaryTextEveryHitIsOneThatWasLookedAt() {
        List<OrdinaryHit> expected = Corpus.read("guardrails/ordinary/hits.tsv").lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("\t"))
                .map(f -> new OrdinaryHit(f[0], f[1], f[2], f[3].equals("false-positive")))
                .toList();
        Set<List<String>> expectedKeys = new LinkedHashSet<>();
        expected.forEach(h -> expectedKeys.add(List.of(h.file(), h.kind(), h.text())));
        List<List<String>> actual = new ArrayList<>();
        long chars = 0;
        for (Corpus.Document d : Corpus.ordinary()) {
            chars += d.text().length();
            for (Finding f : scanner.scan(d.text())) {
                actual.add(List.of(d.name(), f.kind().wireName(), d.text().substring(f.start(), f.end()).replace("\n", "\\n")));
            }
        }
        actual.stream().filter(k -> !expectedKeys.contains(k))
                .forEach(k -> System.out.println("ordinary: new hit\t" + String.join("\t", k)));
        Map<String, int[]> byKind = new java.util.TreeMap<>();
        for (OrdinaryHit h : expected) {
            int[] c = byKind.computeIfAbsent(h.kind(), k -> new int[2]);
            c[0]++;
            if (h.falsePositive()) {
                c[1]++;
            }
        }
        System.out.printf("ordinary text: %d files, %d characters%n", Corpus.ordinary().size(), chars);
        System.out.println("| kind | hits | of which false positives |");
        System.out.println("|---|---:|---:|");
        byKind.forEach((k, c) -> System.out.printf("| %s | %d | %d |%n", k, c[0], c[1]));
        assertThat(new LinkedHashSet<>(actual)).as("hits on ordinary text (ordinary/hits.tsv)").isEqualTo(expectedKeys);
        assertThat(actual).as("each listed hit once").hasSize(expected.size());
        long falsePositives = expected.stream().filter(OrdinaryHit::falsePositive).count();
        assertThat(falsePositives).as("false positives on %d characters of ordinary text", chars).isLessThanOrEqualTo(3);
    }
}
