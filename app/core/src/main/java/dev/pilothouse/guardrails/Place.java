package dev.pilothouse.guardrails;

/** A finding with where an operator sees it: {@code from} its first character, {@code to} its last. */
public record Place(Finding finding, TextPosition from, TextPosition to) {
    @Override
    public String toString() {
        return finding.kind().wireName() + " at " + from + (to.equals(from) ? "" : "-" + to) + " (offsets "
                + finding.start() + "-" + finding.end() + ")";
    }
}
