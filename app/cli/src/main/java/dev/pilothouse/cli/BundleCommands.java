package dev.pilothouse.cli;

import dev.pilothouse.engine.BundleFiles;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** A session as one bundle file and back: {@code sessions export} and {@code sessions import} (docs/traces.md). */
final class BundleCommands {
    private BundleCommands() {
    }

    @Command(name = "export", description = "Write a session (spec, conversation, traces, timeline and, with --workspace, "
            + "its workspace) to one bundle file, to import elsewhere")
    static final class Export extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write it (default: NAME.bundle.tar.gz here)")
        Path out;

        @Option(names = "--workspace", description = "Include the workspace (a tar.gz inside the bundle)")
        boolean workspace;

        @Override
        int run(Engine e, Output o) {
            Session s = e.session(ref);
            // where the command was typed, also when a background engine runs it
            Path target = root().cwd().resolve(out != null ? out : Path.of(s.name() + ".bundle.tar.gz"));
            long size = BundleFiles.export(e, s.id(), workspace, target, new AtomicLong());
            o.line("exported session '" + s.name() + "'" + (workspace ? " with its workspace" : "") + " to " + target
                    + " (" + Units.bytes(size) + ")");
            return 0;
        }
    }

    @Command(name = "import", description = "Make a new session from a bundle file (`sessions export`): its spec, "
            + "conversation and, when the bundle has it, its workspace")
    static final class Import extends EngineCommand {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--name", paramLabel = "NAME", description = "The new session's name (default: the exported one's)")
        String name;

        @Override
        int run(Engine e, Output o) {
            Session s = BundleFiles.importFrom(e, root().cwd().resolve(file), name);
            if (o.structured()) {
                o.json(SessionJson.toJson(s));
            } else {
                o.line("imported session '" + s.name() + "' (" + s.id() + "), " + s.state());
            }
            return 0;
        }
    }
}
