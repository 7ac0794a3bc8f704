package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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
            if (Files.isDirectory(target)) {
                throw new InvalidInputException("--out " + target + " is a folder; name the bundle file to write", "out");
            }
            Path part = target.resolveSibling(target.getFileName() + ".part");
            try {
                try (OutputStream w = Files.newOutputStream(part)) {
                    e.bundles().export(s.id(), workspace, w);
                }
                // whole or not at all: a failed export leaves nothing under the bundle's name
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            } finally {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // the move took it, or there is nothing to remove
                }
            }
            o.line("exported session '" + s.name() + "'" + (workspace ? " with its workspace" : "") + " to " + target
                    + " (" + size(target) + " bytes)");
            return 0;
        }

        private static long size(Path p) {
            try {
                return Files.size(p);
            } catch (IOException ex) {
                return -1;
            }
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
            Path bundle = root().cwd().resolve(file);
            if (!Files.isRegularFile(bundle)) {
                throw new InvalidInputException("no bundle file " + file + "; `sessions export NAME --out FILE` makes one", "file");
            }
            Session s;
            try (InputStream in = Files.newInputStream(bundle)) {
                s = e.bundles().importBundle(in, name);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            if (o.structured()) {
                o.json(SessionJson.toJson(s));
            } else {
                o.line("imported session '" + s.name() + "' (" + s.id() + "), " + s.state());
            }
            return 0;
        }
    }
}
