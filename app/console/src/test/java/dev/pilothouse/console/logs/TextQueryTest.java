package dev.pilothouse.console.logs;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class TextQueryTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void emptyTextIsNoQuery() {
        assertThat(TextQuery.of("")).isNull();
        assertThat(TextQuery.of(null)).isNull();
    }

    @Test
    void matchesIgnoringTheCaseOfAsciiLetters() {
        byte[] line = utf8("An ERROR, an error, an Error.");
        TextQuery q = TextQuery.of("eRRor");

        assertThat(q.indexOf(line, 0, line.length)).isEqualTo(3);
        assertThat(q.count(line, 0, line.length)).isEqualTo(3);
        assertThat(q.indexOf(line, 0, 7)).isEqualTo(-1); // the range's end is respected
    }

    @Test
    void countsMatchesWithoutOverlap() {
        byte[] line = utf8("aaaa");
        assertThat(TextQuery.of("aa").count(line, 0, line.length)).isEqualTo(2);
    }

    @Test
    void findsTheSameMatchesAsANaiveScan() {
        // repeated letters, mixed case and matches at both ends: where a skipping search goes wrong
        java.util.Random random = new java.util.Random(42);
        String[] needles = {"a", "ab", "aab", "abab", "AbA", "needle", "é", "xé"};
        for (int round = 0; round < 2_000; round++) {
            StringBuilder line = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                line.append("aAbBxé ".charAt(random.nextInt(7)));
            }
            String needle = needles[round % needles.length];
            byte[] bytes = utf8(line.toString());
            TextQuery q = TextQuery.of(needle);
            int expected = 0;
            String lower = line.toString().toLowerCase(java.util.Locale.ROOT);
            for (int at = lower.indexOf(needle.toLowerCase(java.util.Locale.ROOT)); at >= 0;
                 at = lower.indexOf(needle.toLowerCase(java.util.Locale.ROOT), at + needle.length())) {
                expected++;
            }
            assertThat(q.count(bytes, 0, bytes.length)).as("'%s' in '%s'", needle, line).isEqualTo(expected);
        }
    }

    @Test
    void findsNonAsciiTextAndCountsItsChars() {
        byte[] line = utf8("naïve 😀 café");
        TextQuery q = TextQuery.of("café");
        int at = q.indexOf(line, 0, line.length);

        assertThat(TextQuery.chars(line, 0, at)).isEqualTo("naïve 😀 ".length());
        assertThat(TextQuery.chars(line, at, at + q.length())).isEqualTo(4);
    }
}
