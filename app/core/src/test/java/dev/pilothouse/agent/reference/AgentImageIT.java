package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reference agent's container image as far as this machine can check it without a container
 * engine: its class path (target/agent-image/lib, what the package phase lays out as the image's
 * build context) holds the engine core and nothing of the console, the CLI or fabric8, and the
 * Dockerfile's ENTRYPOINT, run on those jars, serves the agent contract.
 */
class AgentImageIT {
    private static final Path ROOT = Path.of(System.getProperty("pilothouse.root", "../.."));
    private static final String IMAGE_LIB = "/opt/pilothouse/lib/*";

    @TempDir
    Path workspace;

    @Test
    void theImagesClassPathHasTheCoreAndNoJavaFxAndItsEntrypointServesTheContract() throws Exception {
        Path lib = ROOT.resolve("target/agent-image/lib");
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertThat(jars).anyMatch(j -> j.startsWith("pilothouse-core-"));
        assertThat(jars).as("no JavaFX, no console, no CLI, no fabric8 in the agent image")
                .noneMatch(j -> j.matches("(javafx|controlsfx|atlantafx|ikonli|kubernetes|picocli|pilothouse-(console|cli|runtime)).*"));

        List<String> command = new ArrayList<>();
        for (JsonNode word : entrypoint(ROOT.resolve("packaging/agent-image/Dockerfile"))) {
            String w = word.asText();
            command.add(w.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
                    : w.equals(IMAGE_LIB) ? lib.toAbsolutePath() + "/*" : w);
        }
        assertThat(command).contains(lib.toAbsolutePath() + "/*");
        int port = AgentProcess.freePort();
        ProcessBuilder builder = new ProcessBuilder(command).directory(workspace.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("PILOTHOUSE_") || k.startsWith("OPENAI_"));
        builder.environment().put("PILOTHOUSE_AGENT_HOST", "127.0.0.1");
        builder.environment().put("PILOTHOUSE_AGENT_PORT", Integer.toString(port));
        builder.environment().put("PILOTHOUSE_WORKSPACE", workspace.toString());
        builder.environment().put("HOME", workspace.toString());
        Path log = Files.createTempFile("agent-image", ".log");
        Process agent = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (AgentHttp http = new AgentHttp(port)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                assertThat(agent.isAlive()).as("agent running; its output: %s", read(log)).isTrue();
                assertThat(http.healthy()).isTrue();
            });
            List<JsonNode> reply = http.send("$ echo from-the-image");
            assertThat(Replies.output(reply, "stdout")).isEqualTo("from-the-image\n");
            Replies.assertDone(reply, 0);
        } finally {
            agent.descendants().forEach(ProcessHandle::destroyForcibly);
            agent.destroyForcibly();
            agent.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }

    /** The exec form of the Dockerfile's ENTRYPOINT (a JSON array, continued over lines with a backslash). */
    static JsonNode entrypoint(Path dockerfile) throws IOException {
        String joined = Files.readString(dockerfile).replaceAll("\\\\\\R\\s*", " ");
        Matcher m = Pattern.compile("(?m)^ENTRYPOINT\\s+(\\[.*])\\s*$").matcher(joined);
        assertThat(m.find()).as("an exec-form ENTRYPOINT in %s", dockerfile).isTrue();
        return Json.parse(m.group(1));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }
}
