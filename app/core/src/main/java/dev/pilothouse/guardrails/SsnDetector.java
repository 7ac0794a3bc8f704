package dev.pilothouse.guardrails;

import java.util.List;

/**
 * US social security numbers written {@code AAA-GG-SSSS} (or with spaces), in the ranges the SSA
 * issues: not area 000, 666 or 900-999, not group 00, not serial 0000; and not the two numbers
 * printed on sample cards and in advertising (078-05-1120, 219-09-9999).
 *
 * <p>Deliberately not: nine digits without separators (every nine-digit ID and counter would be
 * one), mixed separators, numbers glued to a word or continued by another digit group.
 */
final class SsnDetector implements Detector {
    @Override
    public PiiKind kind() {
        return PiiKind.SSN;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        int n = text.length();
        // The serial is four digits, so a probe every four characters lands in each number's serial
        // exactly once; an SSN starting at i has its serial at i+7..i+10. Digits are rare in text.
        for (int p = 7; p < n; p += 4) {
            if (!Chars.digit(text.charAt(p))) {
                continue;
            }
            for (int i = Math.max(0, p - 10); i <= p - 7 && i + 11 <= n; i++) {
                candidate(text, i, out);
            }
        }
    }

    private static void candidate(String text, int i, List<Finding> out) {
        char sep = text.charAt(i + 3);
        if ((sep != '-' && sep != ' ') || text.charAt(i + 6) != sep) {
            return;
        }
        if (!digits(text, i, 3) || !digits(text, i + 4, 2) || !digits(text, i + 7, 4)) {
            return;
        }
        char before = Chars.at(text, i - 1);
        char after = Chars.at(text, i + 11);
        if (Chars.word(before) || before == '-' || before == '.' || before == '+' || before == '/'
                || Chars.word(after) || ((after == '-' || after == '.' || after == '/' || after == sep)
                && Chars.digit(Chars.at(text, i + 12)))) {
            return;
        }
        if (valid(number(text, i, 3), number(text, i + 4, 2), number(text, i + 7, 4))) {
            out.add(new Finding(PiiKind.SSN, i, i + 11));
        }
    }

    static boolean valid(int area, int group, int serial) {
        if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
            return false;
        }
        return !(area == 78 && group == 5 && serial == 1120) && !(area == 219 && group == 9 && serial == 9999);
    }

    private static boolean digits(String text, int from, int count) {
        for (int k = from; k < from + count; k++) {
            if (!Chars.digit(text.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    private static int number(String text, int from, int count) {
        int v = 0;
        for (int k = from; k < from + count; k++) {
            v = v * 10 + (text.charAt(k) - '0');
        }
        return v;
    }
}
