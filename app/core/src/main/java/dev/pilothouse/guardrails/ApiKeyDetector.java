package dev.pilothouse.guardrails;

import java.util.List;

/**
 * API keys recognised by their issuer's prefix and shape:
 * AWS access key ids ({@code AKIA}/{@code ASIA} and 16 capitals or digits), GitHub tokens
 * ({@code ghp_ gho_ ghu_ ghs_ ghr_} and 36 or more letters and digits, {@code github_pat_}), Slack
 * ({@code xoxa- xoxb- xoxp- xoxr- xoxs-}), Stripe ({@code sk_live_ sk_test_ rk_live_ rk_test_}), Google
 * ({@code AIza} and 35 characters), Anthropic ({@code sk-ant-}), OpenAI ({@code sk-} and 20 or more
 * characters with capitals, small letters and digits, {@code sk-proj-} included) and this project's
 * own API tokens ({@code ph_<32 hex>_<43 base64url>}); and JSON web tokens ({@code eyJ...}.{@code eyJ...}.signature),
 * bearer credentials whatever issued them. The whole key or token is the finding.
 *
 * <p>Deliberately not: the bare prefixes and short examples ({@code sk-...}, {@code ghp_xxx}), which
 * are how documentation names a key without giving one; an AWS secret access key, which has no
 * prefix (the high-entropy detector is what can see it).
 */
final class ApiKeyDetector implements Detector {
    private static final int ALNUM = 1;
    private static final int UNDERSCORE = 2;
    private static final int DASH = 4;
    private static final int UPPER_DIGIT = 8;
    private static final byte[] CLASSES = new byte[128];
    /** The shortest run a key starts: xoxb- and 10 more, or a JWT's header (19 for {"alg":"none"}). */
    private static final int MIN_RUN = 15;
    private static final boolean[] KEY_RUN = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            int k = 0;
            if (Chars.alnum(c)) {
                k |= ALNUM;
            }
            if (Chars.upper(c) || Chars.digit(c)) {
                k |= UPPER_DIGIT;
            }
            if (c == '_') {
                k |= UNDERSCORE;
            }
            if (c == '-') {
                k |= DASH;
            }
            CLASSES[c] = (byte) k;
            KEY_RUN[c] = (k & (ALNUM | UNDERSCORE | DASH)) != 0;
        }
    }

    @Override
    public PiiKind kind() {
        return PiiKind.API_KEY;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        // every key begins a run of letters, digits, '_' and '-' at least MIN_RUN long
        LongRuns.find(text, 0, text.length(), KEY_RUN, MIN_RUN, (start, end) -> {
            char c = text.charAt(start);
            if (Chars.word(Chars.at(text, start - 1))) {
                return;
            }
            int keyEnd = match(text, start, c);
            if (keyEnd > 0) {
                out.add(new Finding(PiiKind.API_KEY, start, keyEnd));
            }
        });
    }

    /** The end of a key starting at {@code s}, or -1. */
    private static int match(String text, int s, char c) {
        switch (c) {
            case 'A':
                if (text.startsWith("AKIA", s) || text.startsWith("ASIA", s)) {
                    return exactly(text, s + 4, 16, UPPER_DIGIT, ALNUM | UNDERSCORE);
                }
                if (text.startsWith("AIza", s)) {
                    return exactly(text, s + 4, 35, ALNUM | UNDERSCORE | DASH, ALNUM | UNDERSCORE | DASH);
                }
                return -1;
            case 'g':
                if (text.startsWith("github_pat_", s)) {
                    return atLeast(text, s + 11, 22, ALNUM | UNDERSCORE);
                }
                if (text.startsWith("gh", s) && "pousr".indexOf(Chars.at(text, s + 2)) >= 0 && Chars.at(text, s + 3) == '_') {
                    return atLeast(text, s + 4, 36, ALNUM);
                }
                return -1;
            case 'x':
                if (text.startsWith("xox", s) && "abprs".indexOf(Chars.at(text, s + 3)) >= 0 && Chars.at(text, s + 4) == '-') {
                    int end = atLeast(text, s + 5, 10, ALNUM | DASH);
                    return end > 0 && hasDigit(text, s + 5, end) ? end : -1;
                }
                return -1;
            case 's':
            case 'r':
                if (text.startsWith("k_live_", s + 1) || text.startsWith("k_test_", s + 1)) {
                    return atLeast(text, s + 8, 16, ALNUM);
                }
                if (c == 's' && text.startsWith("sk-ant-", s)) {
                    return atLeast(text, s + 7, 20, ALNUM | UNDERSCORE | DASH);
                }
                if (c == 's' && text.startsWith("sk-", s)) {
                    int end = atLeast(text, s + 3, 20, ALNUM | UNDERSCORE | DASH);
                    return end > 0 && mixed(text, s + 3, end) ? end : -1;
                }
                return -1;
            case 'e':
                return jwt(text, s);
            case 'p':
                if (text.startsWith("ph_", s)) {
                    int id = exactly(text, s + 3, 32, ALNUM, ALNUM);
                    if (id < 0 || !lowerHex(text, s + 3, id) || Chars.at(text, id) != '_') {
                        return -1;
                    }
                    return exactly(text, id + 1, 43, ALNUM | UNDERSCORE | DASH, ALNUM | UNDERSCORE | DASH);
                }
                return -1;
            default:
                return -1;
        }
    }

    /**
     * A JSON web token: header and payload are base64url JSON objects (so both start "eyJ", that is
     * '{"'), then the signature, which may be empty (alg none).
     */
    private static int jwt(String text, int s) {
        if (!text.startsWith("eyJ", s)) {
            return -1;
        }
        int mask = ALNUM | UNDERSCORE | DASH;
        int header = run(text, s, mask);
        if (header - s < MIN_RUN || Chars.at(text, header) != '.' || !text.startsWith("eyJ", header + 1)) {
            return -1;
        }
        int payload = run(text, header + 1, mask);
        if (payload - header - 1 < 10 || Chars.at(text, payload) != '.') {
            return -1;
        }
        int signature = run(text, payload + 1, mask);
        return Chars.word(Chars.at(text, signature)) ? -1 : signature;
    }

    private static int run(String text, int from, int mask) {
        int p = from;
        while (p < text.length() && in(text.charAt(p), mask)) {
            p++;
        }
        return p;
    }

    private static boolean in(char c, int mask) {
        return c < 128 && (CLASSES[c] & mask) != 0;
    }

    /** Exactly {@code count} characters of {@code mask} from {@code from}, then none of {@code stop}. */
    private static int exactly(String text, int from, int count, int mask, int stop) {
        if (from + count > text.length()) {
            return -1;
        }
        for (int k = from; k < from + count; k++) {
            if (!in(text.charAt(k), mask)) {
                return -1;
            }
        }
        char after = Chars.at(text, from + count);
        return in(after, stop) || (after >= 128 && Chars.word(after)) ? -1 : from + count;
    }

    /** A run of {@code mask} characters from {@code from}, at least {@code min} long, and not glued to a word. */
    private static int atLeast(String text, int from, int min, int mask) {
        int n = text.length();
        int p = from;
        while (p < n && in(text.charAt(p), mask)) {
            p++;
        }
        return p - from >= min && !Chars.word(Chars.at(text, p)) ? p : -1;
    }

    private static boolean hasDigit(String text, int from, int to) {
        for (int k = from; k < to; k++) {
            if (Chars.digit(text.charAt(k))) {
                return true;
            }
        }
        return false;
    }

    /** Capitals, small letters and digits all present: a random key, not hyphenated words. */
    private static boolean mixed(String text, int from, int to) {
        boolean u = false;
        boolean l = false;
        boolean d = false;
        for (int k = from; k < to; k++) {
            char c = text.charAt(k);
            u |= Chars.upper(c);
            l |= Chars.lower(c);
            d |= Chars.digit(c);
        }
        return u && l && d;
    }

    private static boolean lowerHex(String text, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = text.charAt(k);
            if (!Chars.digit(c) && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
