package dev.pilothouse.guardrails;

import java.util.List;

/** Replaces each finding with {@code [REDACTED:kind]}; the findings keep their offsets in the original. */
final class Redactor {
    private Redactor() {
    }

    /** @param findings sorted by start, none overlapping ({@link PiiScanner#merge}) */
    static String redact(String text, List<Finding> findings) {
        StringBuilder out = new StringBuilder(text.length() + 16 * findings.size());
        int from = 0;
        for (Finding f : findings) {
            out.append(text, from, f.start()).append("[REDACTED:").append(f.kind().wireName()).append(']');
            from = f.end();
        }
        return out.append(text, from, text.length()).toString();
    }
}
