package dev.pilothouse.agent.reference;

import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The small pieces with rules of their own. */
class PartsTest {
    @Test
    void clippedTextKeepsTheStartAndCountsTheRest() {
        String text = "x".repeat(ClippedText.LIMIT - 1) + "\uD83D\uDE00" + "tail";

        String clipped = new ClippedText().append(text.substring(0, 10)).append(text.substring(10)).toString();

        // the emoji would be cut in half, so it is left out whole
        assertThat(clipped).isEqualTo("x".repeat(ClippedText.LIMIT - 1) + "\n… [clipped 6 characters]");
        assertThat(ClippedText.of("short")).isEqualTo("short");
    }

    @Test
    void neverSplitsAUtf8CharacterAcrossEvents() {
        byte[] bytes = "añ€😀".getBytes(StandardCharsets.UTF_8); // 1 + 2 + 3 + 4 bytes

        assertThat(CommandRunner.completePrefix(bytes, bytes.length)).isEqualTo(bytes.length);
        assertThat(CommandRunner.completePrefix(bytes, 2)).isEqualTo(1);
        assertThat(CommandRunner.completePrefix(bytes, 5)).isEqualTo(3);
        assertThat(CommandRunner.completePrefix(bytes, 9)).isEqualTo(6);
        assertThat(CommandRunner.completePrefix(bytes, 6)).isEqualTo(6);
    }

    @Test
    void quotesJsonStrings() {
        String tricky = "say \"hi\"\\ \n\t\u0001 ünï";

        assertThat(Json.parse("{\"v\":" + AgentServer.quote(tricky) + "}").path("v").asText()).isEqualTo(tricky);
    }
}
