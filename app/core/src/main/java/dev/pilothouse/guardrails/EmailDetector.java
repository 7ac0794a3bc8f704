package dev.pilothouse.guardrails;

import java.util.List;
import java.util.Set;

/**
 * E-mail addresses: {@code local@domain.tld}, the local part of letters, digits and {@code . _ % + -},
 * the domain of at least two labels, the last of two or more letters. It jumps from '@' to '@'
 * ({@link String#indexOf(int, int)}), the only place an address can be.
 *
 * <p>Deliberately not: a URL's user ({@code ssh://git@host/...}) and an scp-style remote
 * ({@code git@github.com:org/repo}), which name an account on a host, not a mailbox; file names
 * like {@code icon@2x.png} (the "top-level domain" a file extension that is not one); hosts without
 * a dot ({@code user@localhost}); npm-style {@code name@1.2.3}.
 */
final class EmailDetector implements Detector {
    /** File extensions seen after '@' in file names that are not top-level domains. */
    private static final Set<String> FILE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "svg", "webp", "ico",
            "bmp", "tif", "tiff", "pdf", "java", "class", "jar", "txt", "json", "yaml", "yml", "xml", "html", "htm",
            "css", "js", "kts", "properties", "lock");

    @Override
    public PiiKind kind() {
        return PiiKind.EMAIL;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        int n = text.length();
        int from = 0;
        int at;
        while ((at = text.indexOf('@', from)) >= 0) {
            from = at + 1;
            int start = at;
            while (start > 0 && local(text.charAt(start - 1))) {
                start--;
            }
            while (start < at && text.charAt(start) == '.') {
                start++; // a sentence's full stop before the address is not part of it
            }
            if (start == at || text.charAt(at - 1) == '.' || Chars.word(Chars.at(text, start - 1))) {
                continue;
            }
            if (start >= 2 && text.charAt(start - 1) == '/' && text.charAt(start - 2) == '/') {
                continue; // URL user: ssh://git@host
            }
            int end = domainEnd(text, at + 1, n);
            if (end < 0) {
                continue;
            }
            if (end + 1 < n && text.charAt(end) == ':' && !Character.isWhitespace(text.charAt(end + 1))) {
                continue; // scp-style remote: git@github.com:org/repo
            }
            out.add(new Finding(PiiKind.EMAIL, start, end));
            from = end;
        }
    }

    private static boolean local(char c) {
        return Chars.alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    /** The end of a valid domain starting at {@code i}, or -1. */
    private static int domainEnd(String text, int i, int n) {
        int labels = 0;
        int lastLabelStart = -1;
        int end = -1;
        int p = i;
        while (true) {
            int s = p;
            while (p < n && (Chars.alnum(text.charAt(p)) || text.charAt(p) == '-')) {
                p++;
            }
            if (p == s || p - s > 63 || text.charAt(s) == '-' || text.charAt(p - 1) == '-') {
                break;
            }
            labels++;
            lastLabelStart = s;
            end = p;
            if (p + 1 < n && text.charAt(p) == '.' && Chars.alnum(text.charAt(p + 1))) {
                p++;
                continue;
            }
            break;
        }
        if (labels < 2 || Chars.word(Chars.at(text, end)) || Chars.at(text, end) == '-') {
            return -1;
        }
        int tldLength = end - lastLabelStart;
        if (tldLength < 2) {
            return -1;
        }
        for (int k = lastLabelStart; k < end; k++) {
            if (!Chars.letter(text.charAt(k))) {
                return -1;
            }
        }
        if (FILE_EXTENSIONS.contains(text.substring(lastLabelStart, end).toLowerCase(java.util.Locale.ROOT))) {
            return -1;
        }
        return end;
    }
}
