package dev.pilothouse.guardrails;

import java.util.List;

/**
 * Random-looking tokens with no known prefix: runs of 20 or more base64 or base64url characters
 * ({@code A-Z a-z 0-9 + / _ -}, '=' padding after) that
 * <ol>
 * <li>mix capitals, small letters and digits (so {@code snake_case_42} and {@code CONSTANT_NAME_2} are not);</li>
 * <li>are not hex (UUIDs, git SHAs, digests: everywhere in engineering text, and rarely a secret);</li>
 * <li>have a Shannon entropy per character close to what a random string of that length has:
 * at least {@code log2(L) - 0.95 - 0.006 (L - 20)} bits up to 64 characters, 4.75 bits above
 * (within the 0.1 % least random of random base62 and base64 strings);</li>
 * <li>are not mostly words: at most half the characters in runs of two or more small letters,
 * with a vowel, optionally capitalised ({@code aMissingNameIsTheDocumented404} is words);</li>
 * <li>do not decode (base64) to printable text with a space in it: base64 of ordinary words.</li>
 * </ol>
 * A run with '/' whose parts include plain words or numbers ({@code api}, {@code man3}, {@code 2001},
 * {@code xhtml1-strict}) is a path or URL: what lies between the plain parts is judged alone, so a token inside a URL is
 * still found and the words around it are not.
 *
 * <p>Not looked at: the bodies of certificates and public keys (PEM blocks other than private keys),
 * which are random by nature and meant to be shared.
 *
 * <p>What this misses, measured on random tokens (docs/guardrails.md): about 0.5 % of random
 * tokens, those that happen to look like words; tokens under 20 characters; lower-case-only or
 * hex secrets. It also finds base64 digests ({@code sha384-...}): it cannot tell a hash from a key.
 */
final class HighEntropyDetector implements Detector {
    static final int MIN_LENGTH = 20;
    private static final String PEM_BEGIN = "-----BEGIN ";
    private static final String PEM_END = "-----END ";
    private static final double LN2 = Math.log(2);
    private static final boolean[] RUN = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            RUN[c] = Chars.alnum(c) || c == '+' || c == '/' || c == '_' || c == '-';
        }
    }

    @Override
    public PiiKind kind() {
        return PiiKind.HIGH_ENTROPY;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        int n = text.length();
        int from = 0;
        while (from < n) {
            int block = publicBlock(text, from);
            int to = Math.min(block, n);
            LongRuns.find(text, from, to, RUN, MIN_LENGTH, (start, end) -> {
                if (!Chars.word(Chars.at(text, start - 1)) && !Chars.word(Chars.at(text, end))) {
                    judgeRun(text, start, end, out);
                }
            });
            if (block >= n) {
                break;
            }
            int endOfBlock = text.indexOf(PEM_END, block);
            from = endOfBlock < 0 ? n : endOfBlock;
        }
    }

    /**
     * Where the next certificate or public key block starts ({@code -----BEGIN CERTIFICATE-----},
     * {@code -----BEGIN PUBLIC KEY-----}, ...), or past the text: their bodies are random by nature
     * and meant to be shared. A private key block is the private-key detector's.
     */
    static int publicBlock(String text, int from) {
        int begin = from;
        while ((begin = text.indexOf(PEM_BEGIN, begin)) >= 0) {
            int close = text.indexOf("-----", begin + PEM_BEGIN.length());
            if (close < 0) {
                break;
            }
            if (close - begin < 60 && !text.substring(begin, close).contains("PRIVATE")) {
                return begin;
            }
            begin = close;
        }
        return Integer.MAX_VALUE;
    }

    /**
     * A run with '/' may be a path or URL: its plain parts ({@link #plainPart}) split it, and what
     * lies between them, slashes included, is judged as one candidate. A random token with a '/' in it
     * has no plain part, or one by chance, and is judged whole or nearly.
     */
    private static void judgeRun(String text, int start, int end, List<Finding> out) {
        int groupStart = start;
        int part = start;
        for (int k = start; k <= end; k++) {
            if (k == end || text.charAt(k) == '/') {
                if (plainPart(text, part, k)) {
                    if (part - 1 - groupStart >= MIN_LENGTH) {
                        judge(text, groupStart, part - 1, out);
                    }
                    groupStart = k + 1;
                }
                part = k + 1;
            }
        }
        if (end - groupStart >= MIN_LENGTH) {
            judge(text, groupStart, end, out);
        }
    }

    private static void judge(String text, int start, int end, List<Finding> out) {
        if (random(text, start, end)) {
            int e = end;
            while (e < text.length() && e - end < 2 && text.charAt(e) == '=') {
                e++; // the padding belongs to the token
            }
            out.add(new Finding(PiiKind.HIGH_ENTROPY, start, e));
        }
    }

    /**
     * A path's plain part: words and numbers, maybe joined by '_' or '-' ({@code api}, {@code man3},
     * {@code 2001}, {@code Modules}, {@code xhtml1-strict}, {@code _ssl_data_300}); a word is three or
     * more small letters, maybe capitalised, maybe with digits after; a number two or more digits. Not
     * an empty part: a token's own leading or trailing '/' stays with it. (Shorter words and numbers
     * would split random base64 at chance pieces such as "/7/" or "/dc/".)
     */
    static boolean plainPart(String text, int s, int e) {
        boolean any = false;
        int k = s;
        while (k < e) {
            char c = text.charAt(k);
            if (c == '_' || c == '-') {
                k++;
                continue;
            }
            int p = Chars.upper(c) ? k + 1 : k;
            int lowerStart = p;
            while (p < e && Chars.lower(text.charAt(p))) {
                p++;
            }
            int letters = p - lowerStart;
            int digitStart = p;
            while (p < e && Chars.digit(text.charAt(p))) {
                p++;
            }
            boolean word = letters >= 3;
            boolean number = p == k + (p - digitStart) && p - digitStart >= 2; // digits only
            if (!word && !number || p < e && text.charAt(p) != '_' && text.charAt(p) != '-') {
                return false;
            }
            any = true;
            k = p;
        }
        return any;
    }

    private static boolean vowel(char v) {
        return v == 'a' || v == 'e' || v == 'i' || v == 'o' || v == 'u' || v == 'y';
    }

    static boolean random(String text, int start, int end) {
        int length = end - start;
        boolean upper = false;
        boolean lower = false;
        boolean digit = false;
        boolean hex = true;
        int[] counts = new int[128];
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            upper |= Chars.upper(c);
            lower |= Chars.lower(c);
            digit |= Chars.digit(c);
            hex &= Chars.hex(c) || c == '-';
            counts[c]++;
        }
        if (!upper || !lower || !digit || hex) {
            return false;
        }
        double entropy = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = (double) count / length;
                entropy -= p * Math.log(p);
            }
        }
        entropy /= LN2;
        if (entropy < threshold(length)) {
            return false;
        }
        return wordCharacters(text, start, end) * 2 <= length && !base64OfText(text, start, end);
    }

    static double threshold(int length) {
        if (length > 64) {
            return 4.75;
        }
        return Math.log(length) / LN2 - 0.95 - 0.006 * (length - MIN_LENGTH);
    }

    /** Characters in runs of two or more small letters with a vowel, a capital before them counted too. */
    static int wordCharacters(String text, int start, int end) {
        int covered = 0;
        int k = start;
        while (k < end) {
            char c = text.charAt(k);
            int wordStart = k;
            int lowerStart;
            if (Chars.upper(c) && k + 2 < end && Chars.lower(text.charAt(k + 1)) && Chars.lower(text.charAt(k + 2))) {
                lowerStart = k + 1;
            } else if (Chars.lower(c) && k + 1 < end && Chars.lower(text.charAt(k + 1))) {
                lowerStart = k;
            } else {
                k++;
                continue;
            }
            int e = lowerStart;
            boolean vowel = false;
            while (e < end && Chars.lower(text.charAt(e))) {
                vowel |= vowel(text.charAt(e));
                e++;
            }
            if (vowel) {
                covered += e - wordStart;
            }
            k = e;
        }
        return covered;
    }

    /** Decodes whole base64 quanta: printable ASCII throughout, with a space, is encoded words. */
    static boolean base64OfText(String text, int start, int end) {
        int quanta = (end - start) / 4;
        boolean space = false;
        for (int q = 0; q < quanta; q++) {
            int bits = 0;
            for (int k = 0; k < 4; k++) {
                int v = value(text.charAt(start + q * 4 + k));
                if (v < 0) {
                    return false;
                }
                bits = bits << 6 | v;
            }
            for (int b = 2; b >= 0; b--) {
                int octet = bits >> (8 * b) & 0xff;
                if (octet == ' ') {
                    space = true;
                } else if ((octet < 0x20 || octet > 0x7e) && octet != '\n' && octet != '\t' && octet != '\r') {
                    return false;
                }
            }
        }
        return space;
    }

    private static int value(char c) {
        if (Chars.upper(c)) {
            return c - 'A';
        }
        if (Chars.lower(c)) {
            return c - 'a' + 26;
        }
        if (Chars.digit(c)) {
            return c - '0' + 52;
        }
        return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
    }
}
