package dev.pilothouse.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs CLI commands in this JVM on a data dir, capturing what they print and their exit code. */
final class CliRunner {
    private final Path dataDir;

    CliRunner(Path dataDir) {
        this.dataDir = dataDir;
    }

    record Result(int exit, String out, String err) {
    }

    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}
