package dev.pilothouse.console.logs;

import java.nio.charset.StandardCharsets;

/**
 * What the search box looks for: a plain string, case-insensitive for ASCII letters, matched
 * directly against the stored UTF-8 bytes so that searching millions of lines decodes none.
 * A match always starts and ends on a character boundary (UTF-8 is self-synchronizing), and
 * matches do not overlap, as in a text editor. Boyer-Moore-Horspool: most bytes of a line are
 * skipped, not compared, which keeps a search over millions of lines well under the 300 ms target.
 */
final class TextQuery {
    private static final byte[] LOWER = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            LOWER[b] = (byte) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
    }

    private final String text;
    private final byte[] needle;      // lower-cased
    private final int[] skip = new int[256]; // by lower-cased byte: how far the needle may move on

    private TextQuery(String text) {
        this.text = text;
        this.needle = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < needle.length; i++) {
            needle[i] = LOWER[needle[i] & 0xff];
        }
        java.util.Arrays.fill(skip, needle.length);
        for (int i = 0; i < needle.length - 1; i++) {
            skip[needle[i] & 0xff] = needle.length - 1 - i;
        }
    }

    /** The query for a search box's text, or null when there is nothing to look for. */
    static TextQuery of(String text) {
        return text == null || text.isEmpty() ? null : new TextQuery(text);
    }

    String text() {
        return text;
    }

    /** The byte offset of the first match in {@code bytes[from, to)}, or -1. */
    int indexOf(byte[] bytes, int from, int to) {
        int lastIndex = needle.length - 1;
        byte lastByte = needle[lastIndex];
        int end = to - needle.length;
        outer:
        for (int i = from; i <= end; ) {
            byte b = LOWER[bytes[i + lastIndex] & 0xff];
            if (b == lastByte) {
                for (int j = 0; j < lastIndex; j++) {
                    if (LOWER[bytes[i + j] & 0xff] != needle[j]) {
                        i += skip[b & 0xff];
                        continue outer;
                    }
                }
                return i;
            }
            i += skip[b & 0xff];
        }
        return -1;
    }

    int length() {
        return needle.length;
    }

    /** How many matches {@code bytes[from, to)} holds. */
    int count(byte[] bytes, int from, int to) {
        int n = 0;
        for (int at = indexOf(bytes, from, to); at >= 0; at = indexOf(bytes, at + needle.length, to)) {
            n++;
        }
        return n;
    }

    /** How many Java chars the UTF-8 bytes {@code bytes[from, to)} decode to. */
    static int chars(byte[] bytes, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            int b = bytes[i] & 0xff;
            if ((b & 0xC0) != 0x80) {
                n += (b & 0xF8) == 0xF0 ? 2 : 1; // a 4-byte sequence is a surrogate pair
            }
        }
        return n;
    }
}
