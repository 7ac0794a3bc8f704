package dev.pilothouse.host;

import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 8: a scheduled start fires exactly once while engines hand the data dir on, on the
 * real clock (a few seconds, waited for with Awaitility). Commands reach the engine host the way
 * another process's CLI does: over its loopback port.
 */
class ScheduledStartHandoverTest {
    @TempDir
    Path dataDir;
    private final List<EngineHost> hosts = new ArrayList<>();

    private EngineHost host() {
        EngineHost h = EngineHost.open(EngineConfig.of(dataDir).withBackground(true), () -> new Runtimes(dataDir),
                EngineHost.Kind.CONSOLE, Duration.ZERO);
        hosts.add(h);
        return h;
    }

    @AfterEach
    void close() {
        hosts.forEach(EngineHost::close);
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    private record Ran(int exit, String out, String err) {
    }

    private Ran cli(String... args) throws Exception {
        Endpoint ep = Endpoint.read(dataDir).orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        int code = CommandClient.run(ep.port(), Endpoint.secret(dataDir),
                Frames.buildAndEnvironment(BuildInfo.build(), Environment.current()), dataDir, all,
                InputStream.nullInputStream(), out, err);
        return new Ran(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Engine engineHere(Path dataDir) {
        return Engine.openInThisProcess(dataDir).orElseThrow();
    }

    private static long claims(Engine e, Session s) {
        return e.events(s.id(), 0, 1000).stream().filter(ev -> ev.kind().equals("scheduled")).count();
    }

    private static long readies(Engine e, Session s) {
        return e.events(s.id(), 0, 1000).stream()
                .filter(ev -> ev.kind().equals(AuditEvent.TRANSITION) && ev.to() == SessionState.READY).count();
    }

    @Test
    void theOwnerStartsItOnceWhileAnotherProcessTriesToStartItAtTheSameTime() throws Exception {
        host();
        Ran made = cli("sessions", "create", "racing", "--agent", "reference", "--after", "3s");
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).contains("PENDING (starts ");
        // another engine cannot open the data dir while the host owns it
        assertThatThrownBy(() -> Engine.open(EngineConfig.of(dataDir))).isInstanceOf(DataDirInUseException.class);

        Engine e = engineHere(dataDir);
        Session s = e.session("racing");
        // a CLI command asks to start it (resume) as it falls due, while the host's timer fires it
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> !java.time.Instant.now().isBefore(s.scheduledAt().minusMillis(100)));
        CompletableFuture<Ran> racer = CompletableFuture.supplyAsync(() -> {
            try {
                return cli("sessions", "resume", "racing");
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        });
        await().atMost(Duration.ofSeconds(90)).until(() -> e.session(s.id()).state() == SessionState.READY);
        Ran raced = racer.get();
        // whichever came first started it; the other found it started (exit 0) or not IDLE (exit 2), never a second start
        assertThat(raced.exit()).as(raced.err()).isIn(0, 2);
        assertThat(claims(e, s)).as("claimed once").isEqualTo(1);
        assertThat(readies(e, s)).as("started once").isEqualTo(1);
        assertThat(e.session(s.id()).owner()).isNull();
    }

    @Test
    void whenTheDataDirChangesHandsAroundTheDueTimeItStartsOnce() throws Exception {
        EngineHost first = host();
        Ran made = cli("sessions", "create", "handed", "--agent", "reference", "--after", "4s");
        assertThat(made.exit()).as(made.err()).isZero();
        first.close(); // the owner goes away before the due time
        assertThat(Endpoint.read(dataDir)).isEmpty();

        host(); // the next owner: its timer (or its open, if already due) starts it
        Engine e = engineHere(dataDir);
        Session s = e.session("handed");
        await().atMost(Duration.ofSeconds(90)).until(() -> e.session(s.id()).state() == SessionState.READY);
        hosts.get(1).close();

        host(); // and the one after adopts it, and does not start it again
        Engine third = engineHere(dataDir);
        Session after = third.session(s.id());
        assertThat(after.state()).isEqualTo(SessionState.READY);
        assertThat(claims(third, s)).as("claimed once").isEqualTo(1);
        assertThat(readies(third, s)).as("started once").isEqualTo(1);
    }
}
