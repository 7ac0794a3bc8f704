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
    void findsNonAsciiTextAndCountsItsChars() {
        byte[] line = utf8("naïve 😀 café");
        TextQuery q = TextQuery.of("café");
        int at = q.indexOf(line, 0, line.length);

        assertThat(TextQuery.chars(line, 0, at)).isEqualTo("naïve 😀 ".length());
        assertThat(TextQuery.chars(line, at, at + q.length())).isEqualTo(4);
    }
}
