package dev.pilothouse.agent.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentConfigTest {
    @TempDir
    Path dir;

    private AgentConfig parse(Map<String, String> env, String... args) throws Exception {
        return AgentConfig.parse(env, args, dir);
    }

    @Test
    void defaultsEverythingButThePort() throws Exception {
        AgentConfig config = parse(Map.of("PILOTHOUSE_AGENT_PORT", "8080"));

        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.name()).isEqualTo("reference");
        assertThat(config.workspace()).isEqualTo(dir.toAbsolutePath());
        assertThat(config.historyDir()).isEqualTo(dir.resolve(".pilothouse/history/reference"));
        assertThat(config.waitingTimeoutSeconds()).isEqualTo(300);
        assertThat(config.commandTimeoutSeconds()).isEqualTo(600);
        assertThat(config.token()).isNull();
        assertThat(config.llmConfigured()).isFalse();
    }

    @Test
    void flagsWinOverTheEnvironment() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        Map<String, String> env = Map.of("PILOTHOUSE_AGENT_PORT", "8080", "PILOTHOUSE_AGENT_HOST", "0.0.0.0",
                "PILOTHOUSE_WORKSPACE", dir.toString(), "PILOTHOUSE_WAITING_TIMEOUT_SECONDS", "60",
                "PILOTHOUSE_AGENT_NAME", "from-env");

        AgentConfig config = parse(env, "--port", "9090", "--host=localhost", "--workspace", "other",
                "--waiting-timeout", "5", "--name=by-hand");

        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.host()).isEqualTo("localhost");
        assertThat(config.workspace()).isEqualTo(other);
        assertThat(config.waitingTimeoutSeconds()).isEqualTo(5);
        assertThat(config.name()).isEqualTo("by-hand");
        assertThat(config.historyDir()).isEqualTo(other.resolve(".pilothouse/history/by-hand"));
    }

    @Test
    void readsTheRestOfTheContractEnvironment() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PILOTHOUSE_AGENT_PORT", "0");
        env.put("PILOTHOUSE_HISTORY_DIR", "memory");
        env.put("PILOTHOUSE_AGENT_TOKEN", "t");
        env.put("PILOTHOUSE_COMMAND_TIMEOUT_SECONDS", "7");
        env.put("PILOTHOUSE_MODEL", "");
        env.put("OPENAI_MODEL", "fallback");
        env.put("OPENAI_BASE_URL", "https://api.openai.com/v1");
        env.put("PILOTHOUSE_INSTRUCTIONS", " ");

        AgentConfig config = parse(env);

        assertThat(config.historyDir()).isEqualTo(dir.resolve("memory"));
        assertThat(config.token()).isEqualTo("t");
        assertThat(config.commandTimeoutSeconds()).isEqualTo(7);
        assertThat(config.model()).isEqualTo("fallback");
        assertThat(config.llmConfigured()).isTrue();
        assertThat(config.instructions()).as("blank counts as unset").isNull();
    }

    @Test
    void refusesBadValuesSayingWhatIsAccepted() {
        Map<String, String> port = Map.of("PILOTHOUSE_AGENT_PORT", "8080");
        assertThatThrownBy(() -> parse(Map.of())).hasMessageContaining("PILOTHOUSE_AGENT_PORT").hasMessageContaining("--port");
        assertThatThrownBy(() -> parse(Map.of("PILOTHOUSE_AGENT_PORT", "70000")))
                .hasMessage("port '70000' is not accepted: give a whole number from 0 to 65535");
        assertThatThrownBy(() -> parse(port, "--waiting-timeout", "0"))
                .hasMessageContaining("waiting timeout '0' is not accepted");
        assertThatThrownBy(() -> parse(Map.of("PILOTHOUSE_AGENT_PORT", "1", "PILOTHOUSE_COMMAND_TIMEOUT_SECONDS", "1m")))
                .hasMessageContaining("PILOTHOUSE_COMMAND_TIMEOUT_SECONDS '1m' is not accepted");
        assertThatThrownBy(() -> parse(port, "--workspace", "missing")).hasMessageContaining("is not an existing directory");
        assertThatThrownBy(() -> parse(port, "--name", "../up")).hasMessageContaining("without '/'");
        assertThatThrownBy(() -> parse(port, "--verbose")).hasMessage("unknown argument '--verbose'");
        assertThatThrownBy(() -> parse(port, "--port")).hasMessage("--port needs a value");
        assertThatThrownBy(() -> parse(Map.of("PILOTHOUSE_AGENT_PORT", "1", "OPENAI_BASE_URL", "api.openai.com")))
                .hasMessageContaining("is not an http:// or https:// URL");
        assertThatThrownBy(() -> parse(port, "--help")).isInstanceOf(AgentConfig.HelpRequested.class);
    }
}
