package dev.pilothouse.guardrails;

import java.util.List;

/**
 * One kind of finding, found by a hand-written scan rather than a regular expression: the scans run
 * on every message in both directions, and a scanner that jumps to its trigger characters and never
 * backtracks is what keeps them cheap (docs/guardrails.md, the benchmark).
 */
interface Detector {
    PiiKind kind();

    /** Adds what it finds in {@code text} to {@code out}, in no particular order; overlaps allowed. */
    void scan(String text, List<Finding> out);
}
