package dev.pilothouse.guardrails;

/**
 * Finds the maximal runs of a character class that are at least {@code min} long by looking at
 * every {@code min}-th character only: a run that long covers one of them whatever its start. Where
 * a probe lands in the class the run around it is read whole; where it does not, the next
 * {@code min - 1} characters are skipped unread. In ordinary text this reads a fraction of the
 * characters that a character-by-character scan reads (docs/guardrails.md, the benchmark).
 */
final class LongRuns {
    private LongRuns() {
    }

    interface Sink {
        void run(int start, int end);
    }

    static final boolean[] DIGITS = table("0123456789");

    /** A class table of the given characters. */
    static boolean[] table(String chars) {
        boolean[] t = new boolean[128];
        for (char c : chars.toCharArray()) {
            t[c] = true;
        }
        return t;
    }

    /**
     * The stretches of {@code member} characters (which include the digits) that hold a run of at
     * least {@code minDigits} digits, each once, whole: a detector whose finds are made of member
     * characters only, with such a digit run in each, reads these stretches and nothing else.
     */
    static void stretches(String text, int minDigits, boolean[] member, Sink sink) {
        int n = text.length();
        int[] done = {0};
        find(text, 0, n, DIGITS, minDigits, (s, e) -> {
            if (s < done[0]) {
                return; // inside the stretch just read
            }
            int b = s;
            char c;
            while (b > done[0] && (c = text.charAt(b - 1)) < 128 && member[c]) {
                b--;
            }
            int t = e;
            while (t < n && (c = text.charAt(t)) < 128 && member[c]) {
                t++;
            }
            sink.run(b, t);
            done[0] = t;
        });
    }

    /** @param table the class, for characters below 128; characters from 128 up are never in it */
    static void find(String text, int from, int to, boolean[] table, int min, Sink sink) {
        int p = from + min - 1;
        while (p < to) {
            char c = text.charAt(p);
            if (c >= 128 || !table[c]) {
                p += min;
                continue;
            }
            int s = p;
            while (s > from && (c = text.charAt(s - 1)) < 128 && table[c]) {
                s--;
            }
            int e = p + 1;
            while (e < to && (c = text.charAt(e)) < 128 && table[c]) {
                e++;
            }
            if (e - s >= min) {
                sink.run(s, e);
            }
            p = e + min; // text[e] is outside the class: the next long run starts after it
        }
    }
}
