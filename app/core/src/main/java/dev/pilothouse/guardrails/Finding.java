package dev.pilothouse.guardrails;

/**
 * Where a detector found something: its kind and the offsets in the original text, {@code start}
 * inclusive, {@code end} exclusive (UTF-16 units, as {@link String#substring}). Never the text itself,
 * so that a finding can be logged, audited and shown without exposing what it points at.
 */
public record Finding(PiiKind kind, int start, int end) {
    public Finding {
        if (kind == null || start < 0 || end <= start) {
            throw new IllegalArgumentException("a finding needs a kind and start < end, not " + kind + " " + start + ".." + end);
        }
    }

    public int length() {
        return end - start;
    }

    boolean overlaps(Finding other) {
        return start < other.end && other.start < end;
    }
}
