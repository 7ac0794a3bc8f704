package dev.pilothouse.guardrails;

import java.util.List;

/**
 * IPv6 addresses: eight groups of one to four hex digits separated by ':', or fewer with one "::",
 * optionally ending in a dotted IPv4 address ({@code ::ffff:192.0.2.1}); at least one decimal digit
 * in it. A zone ({@code %eth0}) and a port after brackets are left out.
 *
 * <p>Deliberately not: "::" and "::1" (unspecified, loopback), MAC addresses (six groups, no "::"),
 * times ({@code 12:30:45}), hex words joined by "::" with no digit ({@code Bad::fee}, a C++ or Rust
 * path), fewer than four hex digits in all ({@code a[1::2]}, a Python slice), anything glued to a word
 * ({@code Foo::bar}).
 */
final class Ipv6Detector implements Detector {
    @Override
    public PiiKind kind() {
        return PiiKind.IP;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        int n = text.length();
        int from = 0;
        int colon;
        // every IPv6 address has a ':' within its first five characters: jump from colon to colon
        while ((colon = text.indexOf(':', from)) >= 0) {
            from = colon + 1;
            int s = colon;
            while (s > 0 && colon - s < 4 && Chars.hex(text.charAt(s - 1))) {
                s--;
            }
            if (s > 0 && (Chars.word(text.charAt(s - 1)) || text.charAt(s - 1) == ':' || text.charAt(s - 1) == '.')) {
                continue;
            }
            int end = parse(text, s);
            if (end > 0) {
                out.add(new Finding(PiiKind.IP, s, end));
                from = end;
            }
        }
    }

    /** The end of an address starting at {@code s}, or -1. */
    static int parse(String text, int s) {
        int n = text.length();
        int p = s;
        int groups = 0;
        boolean compressed = false;
        boolean digit = false;
        boolean nonZero = false;
        int hexDigits = 0;
        int lastGroupStart = -1;
        if (p + 1 < n && text.charAt(p) == ':' && text.charAt(p + 1) == ':') {
            compressed = true;
            p += 2;
        } else if (text.charAt(p) == ':') {
            return -1;
        }
        while (p < n && groups < 8) {
            int g = p;
            while (p < n && p - g < 5 && Chars.hex(text.charAt(p))) {
                char c = text.charAt(p);
                digit |= Chars.digit(c);
                nonZero |= c != '0';
                hexDigits++;
                p++;
            }
            if (p == g) {
                break; // after "::" at the end
            }
            if (p - g > 4) {
                return -1;
            }
            lastGroupStart = g;
            groups++;
            if (p + 1 < n && text.charAt(p) == '.' && Chars.digit(text.charAt(p + 1))) {
                // an IPv4 tail in place of the last two groups ("." then a digit: not a full stop)
                int end = Ipv4Detector.parse(text, g, new int[4]);
                if (end < 0 || groups + 1 > 8) {
                    return -1;
                }
                groups += 1;
                p = end;
                break;
            }
            if (p + 1 < n && text.charAt(p) == ':' && text.charAt(p + 1) == ':') {
                if (compressed) {
                    return -1;
                }
                compressed = true;
                p += 2;
            } else if (p + 1 < n && text.charAt(p) == ':' && Chars.hex(text.charAt(p + 1))) {
                p++;
            } else {
                break;
            }
        }
        if (lastGroupStart < 0 && !compressed) {
            return -1;
        }
        if (compressed ? groups > 7 : groups != 8) {
            return -1;
        }
        char after = Chars.at(text, p);
        if (Chars.word(after) || (after == ':' && Chars.hex(Chars.at(text, p + 1)))
                || (after == '.' && Chars.alnum(Chars.at(text, p + 1)))) {
            return -1; // part of something longer (a full stop ending a sentence is fine)
        }
        if (!digit) {
            return -1; // Bad::fee, cafe::beef: hex words, not an address
        }
        if (hexDigits < 4) {
            return -1; // a[1::2], a Python slice
        }
        if (compressed && groups <= 1 && (!nonZero || p - s == 3 && text.startsWith("::1", s))) {
            return -1; // "::", "::0", "::1": unspecified and loopback
        }
        return p;
    }
}
