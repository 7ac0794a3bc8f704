package dev.pilothouse.testing;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An engine on a fresh data dir with a clock the test moves. After each test every agent process
 * the data dir knows of is stopped, whichever engine started it.
 */
public abstract class EngineTestBase {
    @TempDir
    protected Path dataDir;
    protected MutableClock clock;
    protected Engine engine;
    private final List<Engine> opened = new ArrayList<>();

    @BeforeEach
    void openEngine() {
        clock = new MutableClock(Instant.parse("2026-03-01T09:00:00Z"));
        engine = openEngine("alice");
    }

    protected Engine openEngine(String actor) {
        return openEngine(actor, c -> c);
    }

    /** An engine on the data dir with the test's clock, configured further by {@code tweak}. */
    protected Engine openEngine(String actor, java.util.function.UnaryOperator<EngineConfig> tweak) {
        Engine e = Engine.open(tweak.apply(EngineConfig.of(dataDir).withClock(clock).withActor(actor)
                .withStartTimeout(Duration.ofSeconds(90))));
        opened.add(e);
        return e;
    }

    @AfterEach
    void stopEverything() {
        try (LocalRuntime runtime = new LocalRuntime(dataDir, 2000)) {
            runtime.volumes().forEach(runtime::stop);
        }
        opened.forEach(Engine::close);
    }

    /** Registers an agent that runs {@code sh -c script} in the workspace. */
    protected AgentDefinition shellAgent(String name, String script) {
        return engine.createAgent(new AgentDefinition(null, name, null, List.of("sh", "-c", script), null, null,
                Map.of(), 0, new Resources(null, null, null), null, null, null));
    }

    protected Session fresh(Session s) {
        return engine.session(s.id());
    }
}
