package dev.pilothouse.guardrails;

import java.util.List;

/**
 * Phone numbers in the forms people write them, read whole (the longest run of digit groups and
 * separators) and then judged by their shape, so that a long number is never found by a piece of it:
 * <ul>
 * <li>international: {@code +} and 8 to 15 digits in groups separated by a space, '-', '.' or
 * parentheses ({@code +44 (0)20 7946 0958}, {@code +1 415-555-0132}); unseparated ({@code +14155550132})
 * only from 10 digits;</li>
 * <li>North American: 3-3-4 digits, area code and exchange starting 2-9, optionally {@code 1-} before
 * or the area code in parentheses ({@code (415) 555-0132}, {@code 415.555.0132});</li>
 * <li>national with a trunk 0: 10 or 11 digits starting 0 then not 0, in 2 to 5 groups of 2 or more
 * digits, one kind of separator ({@code 020 7946 0958}, {@code 01 23 45 67 89}, {@code 06-12345678}).</li>
 * </ul>
 * Deliberately not: digits without any separator or '+' (IDs, timestamps, counters), dates
 * (4-2-2 and 2-2-4 groups), times ({@code 12:30}), version numbers and IPv4 addresses (their groups
 * fit no shape above), numbers with '.' thousands separators, decimals ({@code +35236450.6}: two
 * groups around a '.'), a last group of one digit, anything glued to a word or after
 * '#', '$', '/', '.' or '-' (order and ticket numbers, paths, amounts).
 */
final class PhoneDetector implements Detector {
    private static final int MAX_GROUPS = 12;

    @Override
    public PiiKind kind() {
        return PiiKind.PHONE;
    }

    /** What a phone number is written with. */
    private static final boolean[] MEMBER = LongRuns.table("0123456789 -.()+");

    @Override
    public void scan(String text, List<Finding> out) {
        int[] groups = new int[MAX_GROUPS];
        // every phone number ends in a group of 2 or more digits: only stretches with such a run are read
        LongRuns.stretches(text, 2, MEMBER, (from, to) -> {
            int i = from;
            while (i < to) {
                char c = text.charAt(i);
                boolean start = c == '+' ? Chars.digit(Chars.at(text, i + 1)) || Chars.at(text, i + 1) == '('
                        : Chars.digit(c) || (c == '(' && Chars.digit(Chars.at(text, i + 1)));
                if (!start || !boundaryBefore(text, i)) {
                    i++;
                    continue;
                }
                int end = candidate(text, i, groups, out);
                i = Math.max(end, i + 1);
            }
        });
    }

    private static boolean boundaryBefore(String text, int i) {
        char p = Chars.at(text, i - 1);
        return !Chars.word(p) && p != '.' && p != '-' && p != '+' && p != '/' && p != '#' && p != '$'
                && p != ',' && p != ')' && p != '€' && p != '£';
    }

    /** Reads the candidate at {@code s}, adds it when it has a phone's shape; returns where it ends. */
    private static int candidate(String text, int s, int[] groups, List<Finding> out) {
        int n = text.length();
        boolean international = text.charAt(s) == '+';
        int p = international ? s + 1 : s;
        int ng = 0;
        int digits = 0;
        char sep = 0;
        boolean mixedSeparators = false;
        boolean parenthesized = false;
        boolean firstParenthesized = false;
        char first = 0;
        char second = 0;
        int areaStart = -1;
        int exchangeStart = -1;
        while (p < n) {
            int groupStart;
            int groupEnd;
            boolean paren = text.charAt(p) == '(';
            if (paren) {
                int q = p + 1;
                while (q < n && Chars.digit(text.charAt(q))) {
                    q++;
                }
                if (q == p + 1 || q - p - 1 > 5 || q >= n || text.charAt(q) != ')') {
                    break;
                }
                groupStart = p + 1;
                groupEnd = q;
                p = q + 1;
                parenthesized = true;
                if (ng == 0) {
                    firstParenthesized = true;
                }
            } else if (Chars.digit(text.charAt(p))) {
                groupStart = p;
                while (p < n && Chars.digit(text.charAt(p))) {
                    p++;
                }
                groupEnd = p;
            } else {
                break;
            }
            int size = groupEnd - groupStart;
            if (digits == 0) {
                first = text.charAt(groupStart);
                second = size > 1 ? text.charAt(groupStart + 1) : Chars.at(text, groupEnd + 1);
            }
            if (ng < MAX_GROUPS) {
                groups[ng] = size;
            }
            if (ng == 0 || (ng == 1 && groups[0] == 1)) {
                areaStart = groupStart;
            } else if (exchangeStart < 0) {
                exchangeStart = groupStart;
            }
            ng++;
            digits += size;
            // a separator continues the candidate only when a digit group follows it
            char c = Chars.at(text, p);
            char next = Chars.at(text, p + 1);
            if ((c == ' ' || c == '-' || c == '.') && (Chars.digit(next) || next == '(')) {
                if (!paren || c != ' ') { // "(415) 555" is the parentheses' own separator
                    if (sep == 0) {
                        sep = c;
                    } else if (sep != c) {
                        mixedSeparators = true;
                    }
                }
                p++;
            } else if (paren && Chars.digit(c)) {
                // "(0)20": no separator after the parentheses
            } else {
                break;
            }
        }
        int end = p;
        // the character after must not continue it as something else: a word, a time, a path, a decimal
        char after = Chars.at(text, end);
        char afterNext = Chars.at(text, end + 1);
        if (Chars.word(after) || ((after == ':' || after == '/' || after == '.' || after == ',' || after == '-')
                && Chars.digit(afterNext))) {
            return end;
        }
        if (ng == 0 || ng > MAX_GROUPS || digits > 15 || dateShaped(groups, ng, sep)
                || thousands(groups, ng, sep) || (sep == '.' && ng == 2) || groups[Math.min(ng, MAX_GROUPS) - 1] < 2) {
            return end;
        }
        boolean phone;
        if (international) {
            phone = digits >= 8 && first != '0' && (ng > 1 || digits >= 10);
        } else {
            phone = northAmerican(text, groups, ng, digits, first, areaStart, exchangeStart)
                    || trunk(groups, ng, digits, first, second, sep, mixedSeparators, parenthesized, firstParenthesized);
        }
        if (phone) {
            out.add(new Finding(PiiKind.PHONE, s, end));
        }
        return end;
    }

    private static boolean northAmerican(String text, int[] g, int ng, int digits, char first, int areaStart,
                                         int exchangeStart) {
        boolean shape = (ng == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4)
                || (ng == 4 && g[0] == 1 && first == '1' && g[1] == 3 && g[2] == 3 && g[3] == 4);
        return shape && digits >= 10 && text.charAt(areaStart) >= '2' && text.charAt(exchangeStart) >= '2';
    }

    private static boolean trunk(int[] g, int ng, int digits, char first, char second, char sep, boolean mixed,
                                 boolean parenthesized, boolean firstParenthesized) {
        if (first != '0' || second == '0' || digits < 10 || digits > 11 || ng < 2 || ng > 5) {
            return false;
        }
        if (mixed || (parenthesized && !firstParenthesized)) {
            return false;
        }
        for (int k = 0; k < ng; k++) {
            if (g[k] < 2) {
                return false;
            }
        }
        return true;
    }

    /** 2024-01-15, 15.01.2024, 01/15/2024: a date's groups, whatever the separator. */
    private static boolean dateShaped(int[] g, int ng, char sep) {
        return ng >= 3 && (sep == '-' || sep == '.' || sep == '/')
                && ((g[0] == 4 && g[1] == 2 && g[2] == 2) || (g[0] == 2 && g[1] == 2 && g[2] == 4));
    }

    /** 15.000.000: groups of three after the first, separated by '.', are a number's thousands. */
    private static boolean thousands(int[] g, int ng, char sep) {
        if (sep != '.' || ng < 2) {
            return false;
        }
        for (int k = 1; k < ng; k++) {
            if (g[k] != 3) {
                return false;
            }
        }
        return true;
    }
}
