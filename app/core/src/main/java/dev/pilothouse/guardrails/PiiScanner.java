package dev.pilothouse.guardrails;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Runs the detectors of the chosen kinds over a text and returns their findings sorted and with
 * overlaps merged. Overlapping findings become one spanning all of them (so that redacting it
 * leaves no piece of either), named by the most specific kind among them ({@link PiiKind}'s order):
 * the result depends only on the text, never on the order the detectors ran in. Stateless and so
 * thread-safe.
 */
public final class PiiScanner {
    private static final Comparator<Finding> ORDER = Comparator.comparingInt(Finding::start)
            .thenComparing(Comparator.comparingInt(Finding::end).reversed())
            .thenComparing(Finding::kind);

    private final Detector[] detectors;

    public PiiScanner(Set<PiiKind> kinds) {
        List<Detector> chosen = new ArrayList<>();
        for (Detector d : all()) {
            if (kinds.contains(d.kind())) {
                chosen.add(d);
            }
        }
        this.detectors = chosen.toArray(new Detector[0]);
    }

    public static PiiScanner allKinds() {
        return new PiiScanner(EnumSet.allOf(PiiKind.class));
    }

    private static List<Detector> all() {
        return List.of(new PrivateKeyDetector(), new ApiKeyDetector(), new CardDetector(), new IbanDetector(),
                new SsnDetector(), new EmailDetector(), new PhoneDetector(), new Ipv4Detector(), new Ipv6Detector(),
                new HighEntropyDetector());
    }

    /** The findings in {@code text}, sorted by start, none overlapping another. */
    public List<Finding> scan(String text) {
        return merge(scanRaw(text));
    }

    /** Every detector's findings as found: unsorted, overlaps kept (to know every kind that was seen). */
    public List<Finding> scanRaw(String text) {
        List<Finding> raw = new ArrayList<>();
        for (Detector d : detectors) {
            d.scan(text, raw);
        }
        return raw;
    }

    /** Sorted, overlaps merged into one finding of the most specific kind among them. */
    public static List<Finding> merge(List<Finding> found) {
        if (found.size() <= 1) {
            return List.copyOf(found);
        }
        List<Finding> raw = new ArrayList<>(found);
        raw.sort(ORDER);
        List<Finding> merged = new ArrayList<>(raw.size());
        Finding current = raw.get(0);
        for (int k = 1; k < raw.size(); k++) {
            Finding next = raw.get(k);
            if (next.start() < current.end()) {
                PiiKind kind = next.kind().compareTo(current.kind()) < 0 ? next.kind() : current.kind();
                current = new Finding(kind, current.start(), Math.max(current.end(), next.end()));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return List.copyOf(merged);
    }
}
