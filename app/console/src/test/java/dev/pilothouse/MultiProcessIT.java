package dev.pilothouse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The CLI (the real launcher, separate JVMs) beside a console's engine in this JVM, or on the
 * background engine a CLI command starts: one engine serves the data dir, each side sees the
 * other's changes within two seconds, and nothing is lost when a process dies.
 */
class MultiProcessIT {
    @TempDir
    Path dataDir;
    private final List<EngineHost> hosts = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private static Path launcher() {
        return Path.of(System.getProperty("pilothouse.launcher.dir", "target/pilothouse"), "bin", "pilothouse");
    }

    private Engine console() {
        EngineHost h = EngineHost.open(EngineConfig.of(dataDir).withActor("console").withBackground(true), EngineHost.Kind.CONSOLE);
        hosts.add(h);
        return h.engine();
    }

    /** The background engine a CLI command started, by its endpoint file. */
    private ProcessHandle backgroundEngine() throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(dataDir.resolve("engine.endpoint"))) {
            p.load(r);
        }
        assertThat(p.getProperty("kind")).isEqualTo("BACKGROUND");
        return ProcessHandle.of(Long.parseLong(p.getProperty("pid"))).orElseThrow();
    }

    private Process cli(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    private record Done(int exit, String output) {
    }

    private Done finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Done(p.exitValue(), out);
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.forEach(Process::destroyForcibly);
        if (Files.exists(dataDir.resolve("engine.endpoint")) && hosts.isEmpty()) {
            finish(cli("engine", "stop"));
        }
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
        hosts.forEach(EngineHost::close);
    }

    @Test
    void theConsoleSeesWhatTheCliDidAndTheCliSeesWhatTheConsoleDid() throws Exception {
        Engine console = console();
        List<Session> seen = new CopyOnWriteArrayList<>();
        console.subscribe(e -> {
            if (e instanceof EngineEvent.SessionChanged c) {
                seen.add(c.session());
            }
        });

        Done created = finish(cli("sessions", "create", "from-cli", "--agent", "reference", "--prompt", "$ echo hi"));
        assertThat(created.exit()).as(created.output()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> seen.stream()
                .anyMatch(s -> s.name().equals("from-cli") && s.state() == SessionState.READY && s.owner() == null));

        console.create(CreateRequest.of("from-console", "reference"), null);
        Done listed = finish(cli("sessions", "list", "-o", "json"));
        JsonNode sessions = Json.parse(listed.output());
        List<String> names = new ArrayList<>();
        sessions.forEach(n -> names.add(n.get("name").asText()));
        assertThat(names).containsExactlyInAnyOrder("from-cli", "from-console");

        // the console adopted the CLI's agent: a pause from the CLI is seen, and a send from the console resumes it
        assertThat(finish(cli("sessions", "pause", "from-cli")).exit()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> seen.stream()
                .anyMatch(s -> s.name().equals("from-cli") && s.state() == SessionState.IDLE));
        assertThat(console.send("from-cli", null, "$ echo resumed", null).reply().content()).contains("resumed");
    }

    @Test
    void concurrentWritersFromTwoProcessesLoseNothing() throws Exception {
        Engine console = console();
        console.create(CreateRequest.of("shared", "reference"), null);
        Process writer = cli("run", "reference", "$ echo from the cli", "--session", "cli-side");
        for (int i = 0; i < 40; i++) {
            console.update("shared", new UpdateRequest(null, null, null, null, Map.of("n", Integer.toString(i)), List.of()), null);
        }
        Done done = finish(writer);
        assertThat(done.exit()).as(done.output()).isZero();
        assertThat(done.output()).contains("from the cli");
        for (int i = 0; i < 10; i++) {
            assertThat(finish(cli("sessions", "update", "shared", "--meta", "cli=" + i)).exit()).isZero();
        }
        Session shared = console.session("shared");
        assertThat(Json.parse(shared.metadata()).get("n").asInt()).isEqualTo(39);
        assertThat(Json.parse(shared.metadata()).get("cli").asInt()).isEqualTo(9);
        assertThat(console.events("shared", 0, 1000).stream().filter(e -> e.kind().equals("updated"))).hasSize(50);
        assertThat(console.session("cli-side").state()).isEqualTo(SessionState.READY);
    }

    @Test
    void aConsoleTakesTheDataDirOverFromTheBackgroundEngineOnceItsCommandIsDone() throws Exception {
        // a CLI command starts the background engine, which is running its reply when the console opens
        Process holder = cli("run", "reference", "$ while [ ! -f " + dataDir.resolve("go") + " ]; do sleep 0.05; done; echo released",
                "--session", "holder");
        await().atMost(Duration.ofSeconds(60)).until(() -> busy("holder"));
        ProcessHandle background = backgroundEngine();
        CompletableFuture<Engine> opening = CompletableFuture.supplyAsync(this::console);

        Files.writeString(dataDir.resolve("go"), "");
        Done done = finish(holder);
        assertThat(done.exit()).as(done.output()).isZero();
        assertThat(done.output()).contains("released");
        Engine console = opening.get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> !background.isAlive());
        assertThat(console.session("holder").state()).isEqualTo(SessionState.READY);
        // the console adopted the agent, and CLI commands now go to the console
        assertThat(console.send("holder", null, "$ echo adopted", null).reply().content()).contains("adopted");
        Done listed = finish(cli("sessions", "show", "holder", "-o", "json"));
        assertThat(listed.exit()).as(listed.output()).isZero();
        assertThat(Json.parse(listed.output()).get("state").asText()).isEqualTo("READY");
    }

    @Test
    void aCliKilledMidReplyLosesNothing() throws Exception {
        Process sender = cli("run", "reference", "$ while [ ! -f go ]; do sleep 0.05; done; echo finished anyway",
                "--session", "victim");
        await().atMost(Duration.ofSeconds(60)).until(() -> busy("victim"));
        sender.destroyForcibly().waitFor();

        // the engine, not the CLI process, was waiting on the reply: it finishes and is stored
        Files.writeString(dataDir.resolve("sessions").resolve(sessionId("victim")).resolve("workspace").resolve("go"), "");
        await().atMost(Duration.ofSeconds(30)).until(() -> !busy("victim"));
        Done messages = finish(cli("sessions", "messages", "victim", "-o", "json"));
        assertThat(messages.output()).contains("finished anyway");
    }

    @Test
    void theEngineKilledMidReplyLeavesNoSessionStuck() throws Exception {
        Process sender = cli("run", "reference", "$ while [ ! -f never ]; do sleep 0.05; done", "--session", "victim");
        await().atMost(Duration.ofSeconds(60)).until(() -> busy("victim"));
        ProcessHandle background = backgroundEngine();
        background.destroyForcibly();
        Done cut = finish(sender);
        assertThat(cut.exit()).isEqualTo(1);
        assertThat(cut.output()).contains("broke while it ran the command");

        Engine console = console();
        Session s = console.session("victim");
        assertThat(s.state()).isEqualTo(SessionState.READY);
        List<Message> messages = console.messages("victim", 0, null, 10);
        assertThat(messages.get(messages.size() - 1).error()).contains("reply interrupted");
        assertThat(console.send("victim", null, "$ echo recovered", null).reply().content()).contains("recovered");
    }

    @Test
    void twentyCommandsAtOnceAllSucceed() throws Exception {
        Done created = finish(cli("sessions", "create", "shared", "--agent", "reference"));
        assertThat(created.exit()).as(created.output()).isZero();
        List<Process> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(i % 2 == 0 ? cli("sessions", "show", "shared", "-o", "json")
                    : cli("sessions", "update", "shared", "--meta", "k" + i + "=" + i));
        }
        for (Process p : burst) {
            Done d = finish(p);
            assertThat(d.exit()).as(d.output()).isZero();
        }
        JsonNode meta = Json.parse(finish(cli("sessions", "show", "shared", "-o", "json")).output()).get("metadata");
        for (int i = 1; i < 20; i += 2) {
            assertThat(meta.get("k" + i).asText()).isEqualTo(Integer.toString(i));
        }
    }

    private String sessionId(String name) throws Exception {
        return Json.parse(finish(cli("sessions", "show", name, "-o", "json")).output()).get("id").asText();
    }

    /** Asks from a separate CLI process, as a script would. */
    private boolean busy(String name) throws Exception {
        Done d = finish(cli("sessions", "show", name, "-o", "json"));
        return d.exit() == 0 && Json.parse(d.output()).get("state").asText().equals("BUSY");
    }
}
