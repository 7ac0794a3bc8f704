package dev.pilothouse.cli;

import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** CLI commands run in process on a fresh data dir; the agents they started are stopped after each test. */
abstract class LocalCliTestBase {
    @TempDir
    Path dataDir;
    CliRunner cli;

    @BeforeEach
    void cliOnAFreshDataDir() {
        cli = new CliRunner(dataDir);
    }

    @AfterEach
    void stopAgents() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }
}
