package dev.pilothouse.guardrails;

import java.util.List;

/**
 * IPv4 addresses: four decimal octets 0-255 without leading zeros, separated by '.'. A port or a
 * prefix length after it ({@code :8080}, {@code /24}) is left out of the finding.
 *
 * <p>Deliberately not, as they identify no host: loopback (127/8), "this network" (0/8), and 224 and
 * above (multicast, reserved, broadcast, and so netmasks such as 255.255.255.0). Private ranges
 * (10/8, 172.16/12, 192.168/16) are reported: they map a network from inside. Not versions either:
 * a dotted run glued to a word ({@code v1.2.3.4}), of more than four parts ({@code 1.2.3.4.5}), or
 * right after the word "version" ({@code version 1.2.3.4}); nor section numbers after "section",
 * "chapter", "clause", "paragraph", "item" or '§' ({@code Section 6.1.7.1}), nor object identifiers
 * after "OID". A bare {@code 1.2.3.4} is an address.
 */
final class Ipv4Detector implements Detector {
    @Override
    public PiiKind kind() {
        return PiiKind.IP;
    }

    /** An address is made of these only, seven or more of them: only such runs are read. */
    private static final boolean[] DIGITS_DOTS = LongRuns.table("0123456789.");

    @Override
    public void scan(String text, List<Finding> out) {
        int[] octets = new int[4];
        LongRuns.find(text, 0, text.length(), DIGITS_DOTS, 7, (s, e) -> {
            // only at the run's start: inside it the character before is a digit or '.'
            char before = Chars.at(text, s - 1);
            if (!Chars.digit(text.charAt(s)) || Chars.word(before) || before == '-') {
                return;
            }
            int end = parse(text, s, octets);
            if (end > 0 && reportable(octets) && !afterVersionWord(text, s)) {
                out.add(new Finding(PiiKind.IP, s, end));
            }
        });
    }

    /** The end of four octets at {@code s}, or -1. */
    static int parse(String text, int s, int[] octets) {
        int n = text.length();
        int p = s;
        for (int k = 0; k < 4; k++) {
            if (k > 0) {
                if (p >= n || text.charAt(p) != '.') {
                    return -1;
                }
                p++;
            }
            int start = p;
            int v = 0;
            while (p < n && Chars.digit(text.charAt(p)) && p - start < 4) {
                v = v * 10 + (text.charAt(p) - '0');
                p++;
            }
            int len = p - start;
            if (len == 0 || len > 3 || v > 255 || (len > 1 && text.charAt(start) == '0')) {
                return -1;
            }
            octets[k] = v;
        }
        char after = Chars.at(text, p);
        if (Chars.word(after) || ((after == '.' || after == '-') && Chars.alnum(Chars.at(text, p + 1)))) {
            return -1; // 1.2.3.4.5, 1.2.3.4-SNAPSHOT, 1.2.3.4a
        }
        return p;
    }

    private static boolean reportable(int[] o) {
        return o[0] != 0 && o[0] != 127 && o[0] < 224;
    }

    /** Words after which four dotted numbers are a version or a section, not an address. */
    private static final java.util.Set<String> NUMBERING_WORDS = java.util.Set.of("version", "ver", "release",
            "section", "sections", "chapter", "clause", "paragraph", "item", "oid");

    /**
     * "version 1.2.3.4", "Version: 1.2.3.4", "Section 6.1.7.1", "§ 4.2.2.13": the word right before,
     * past spaces, ':' and '='.
     */
    private static boolean afterVersionWord(String text, int s) {
        int p = s - 1;
        while (p >= 0 && (text.charAt(p) == ' ' || text.charAt(p) == ':' || text.charAt(p) == '=' || text.charAt(p) == '\t')) {
            p--;
        }
        if (p >= 0 && text.charAt(p) == '§') {
            return true;
        }
        int end = p + 1;
        while (p >= 0 && Chars.letter(text.charAt(p))) {
            p--;
        }
        if (end - p - 1 > 10) {
            return false;
        }
        String word = text.substring(p + 1, end).toLowerCase(java.util.Locale.ROOT);
        return NUMBERING_WORDS.contains(word);
    }
}
