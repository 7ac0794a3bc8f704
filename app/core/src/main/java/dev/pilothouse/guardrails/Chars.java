package dev.pilothouse.guardrails;

/** Character classes the detectors share; ASCII-only on purpose (the formats they look for are ASCII). */
final class Chars {
    private Chars() {
    }

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean upper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean lower(char c) {
        return c >= 'a' && c <= 'z';
    }

    static boolean letter(char c) {
        return upper(c) || lower(c);
    }

    static boolean alnum(char c) {
        return digit(c) || letter(c);
    }

    static boolean hex(char c) {
        return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * A character that glues to a word: ASCII letters, digits, '_' and any non-ASCII letter or digit,
     * so that "v1.2.3.4" or "abc4111..." is not read as starting at the digit.
     */
    static boolean word(char c) {
        if (c < 128) {
            return alnum(c) || c == '_';
        }
        return Character.isLetterOrDigit(c);
    }

    /** The character at {@code i}, or a space outside the text: the ends of the text are boundaries. */
    static char at(String text, int i) {
        return i >= 0 && i < text.length() ? text.charAt(i) : ' ';
    }
}
