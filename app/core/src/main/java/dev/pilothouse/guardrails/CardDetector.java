package dev.pilothouse.guardrails;

import java.util.List;

/**
 * Payment card numbers: 13 to 19 digits, unseparated or in groups of 3 to 6 separated by one kind of
 * separator (space or '-'), whose issuer prefix (IIN) belongs to a card network that issues that
 * length, and whose last digit is the Luhn check digit. The prefix and the check together leave about
 * one random number in a hundred of the right length, and the length and grouping rule out most of
 * those (timestamps and counters start with 1, which no network issues).
 *
 * <p>Deliberately not: Luhn-invalid numbers, unknown prefixes, numbers glued to a word or to '.',
 * '-', '/', '+' (versions, decimals, paths).
 */
final class CardDetector implements Detector {
    @Override
    public PiiKind kind() {
        return PiiKind.CARD;
    }

    /** What a card number is written with: digits and its separators. */
    private static final boolean[] MEMBER = LongRuns.table("0123456789 -");

    @Override
    public void scan(String text, List<Finding> out) {
        int[] digits = new int[19];
        // every group of a card number has 3 or more digits: only stretches with such a run are read
        LongRuns.stretches(text, 3, MEMBER, (from, to) -> {
            int i = from;
            while (i < to) {
                char c = text.charAt(i);
                if (c < '2' || c > '6' || !boundaryBefore(text, i)) { // every network's prefix starts 2 to 6
                    i++;
                    continue;
                }
                i = Math.max(candidate(text, i, digits, out), i + 1);
            }
        });
    }

    private static boolean boundaryBefore(String text, int i) {
        char p = Chars.at(text, i - 1);
        return !Chars.word(p) && p != '.' && p != '-' && p != '+' && p != '/' && p != ',';
    }

    private static int candidate(String text, int s, int[] digits, List<Finding> out) {
        int n = text.length();
        int p = s;
        int count = 0;
        int groups = 0;
        boolean groupsFit = true;
        char sep = 0;
        boolean tooLong = false;
        while (p < n) {
            int g = p;
            while (p < n && Chars.digit(text.charAt(p))) {
                if (count < digits.length) {
                    digits[count] = text.charAt(p) - '0';
                } else {
                    tooLong = true;
                }
                count++;
                p++;
            }
            groups++;
            if (p - g < 3 || p - g > 6) {
                groupsFit = false;
            }
            char c = Chars.at(text, p);
            if ((c == ' ' || c == '-') && Chars.digit(Chars.at(text, p + 1)) && (sep == 0 || sep == c)) {
                sep = c;
                p++;
            } else {
                break;
            }
        }
        char after = Chars.at(text, p);
        if (Chars.word(after) || ((after == '.' || after == '-' || after == '/' || after == ',' || after == ':')
                && Chars.digit(Chars.at(text, p + 1)))) {
            return p;
        }
        if (tooLong || count < 13 || (groups > 1 && !groupsFit)) {
            return p;
        }
        if (issued(digits, count) && luhn(digits, count)) {
            out.add(new Finding(PiiKind.CARD, s, p));
        }
        return p;
    }

    /** The networks' prefixes and the lengths each issues (the IIN ranges as published by the networks). */
    static boolean issued(int[] d, int len) {
        int p1 = d[0];
        int p2 = p1 * 10 + d[1];
        int p3 = p2 * 10 + d[2];
        int p4 = p3 * 10 + d[3];
        int p6 = p4 * 100 + d[4] * 10 + d[5];
        if (p1 == 4) {
            return len == 13 || len == 16 || len == 19; // Visa
        }
        if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
            return len == 16; // Mastercard
        }
        if (p2 == 34 || p2 == 37) {
            return len == 15; // American Express
        }
        if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) {
            return len >= 14 && len <= 19; // Diners Club
        }
        if (p4 >= 3528 && p4 <= 3589) {
            return len >= 16 && len <= 19; // JCB
        }
        if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {
            return len >= 16 && len <= 19; // Discover
        }
        if (p2 == 62) {
            return len >= 16 && len <= 19; // UnionPay
        }
        if (p2 == 50 || (p2 >= 56 && p2 <= 69)) {
            return len >= 13 && len <= 19; // Maestro and other debit networks
        }
        return false;
    }

    static boolean luhn(int[] d, int len) {
        int sum = 0;
        boolean twice = false;
        for (int k = len - 1; k >= 0; k--) {
            int v = d[k];
            if (twice) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
            twice = !twice;
        }
        return sum % 10 == 0;
    }
}
