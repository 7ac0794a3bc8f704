package dev.pilothouse.cli;

import java.nio.file.Path;

/** {@link CliRunner} for tests in other packages: CLI commands in this JVM on a data dir. */
public final class CliHarness {
    private final CliRunner runner;

    public CliHarness(Path dataDir) {
        this.runner = new CliRunner(dataDir);
    }

    public record Result(int exit, String out, String err) {
    }

    public Result run(String... args) {
        CliRunner.Result r = runner.run(args);
        return new Result(r.exit(), r.out(), r.err());
    }
}
