package dev.pilothouse.cli;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.Workspaces;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.json.Json;
import dev.pilothouse.workspace.FileJson;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.Tarballs;
import dev.pilothouse.workspace.Trees;
import dev.pilothouse.workspace.WorkspacePath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The workspace browser on the command line: {@code sessions files}, {@code sessions cp} and
 * {@code sessions rm}. Local paths are the operator's (relative to where the command was typed);
 * workspace paths are relative to the workspace and checked by the engine.
 */
final class WorkspaceCommands {
    private WorkspaceCommands() {
    }

    @Command(name = "files", description = "List a session's workspace (a folder's entries, or one file's)")
    static final class ListFiles extends EngineCommand {
        @Parameters(index = "0", paramLabel = "SESSION")
        String ref;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "In the workspace (default: the workspace itself)")
        String path = ".";

        @Override
        int run(Engine e, Output o) {
            Workspaces w = e.workspaces();
            FileEntry top = w.stat(ref, path);
            List<FileEntry> entries = top.directory() ? w.list(ref, path) : List.of(top);
            if (o.structured()) {
                var a = Json.MAPPER.createArrayNode();
                entries.forEach(f -> a.add(FileJson.entry(f)));
                o.json(a);
                return 0;
            }
            o.table(List.of("TYPE", "SIZE", "MODIFIED", "NAME"), entries, f -> List.of(
                    f.type().name().toLowerCase(Locale.ROOT), f.directory() ? "-" : Long.toString(f.size()),
                    o.ago(f.modified()), (top.directory() ? f.name() : f.path()) + (f.directory() ? "/" : "")
                            + (f.target() != null ? " -> " + f.target() : "")));
            return 0;
        }
    }

    @Command(name = "cp", description = "Copy a file or folder out of a session's workspace, or into it: "
            + "`sessions cp NAME:PATH LOCAL` or `sessions cp LOCAL NAME:PATH` (a folder goes whole)")
    static final class Cp extends EngineCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1", paramLabel = "DEST")
        String dest;

        @Override
        int run(Engine e, Output o) throws IOException {
            String[] from = remote(source);
            String[] to = remote(dest);
            if ((from == null) == (to == null)) {
                throw new InvalidInputException("name the session's side as SESSION:PATH on exactly one side (`sessions cp "
                        + "s1:out/report.md .` or `sessions cp data.csv s1:input/`); a local name with ':' is written ./a:b",
                        from == null ? "source" : "dest");
            }
            Workspaces w = e.workspaces();
            if (from != null) {
                Path local = root().cwd().resolve(dest);
                Path written = download(w, from[0], from[1], local);
                o.line("copied " + from[0] + ":" + WorkspacePath.of(from[1]) + " to " + written);
            } else {
                Path local = root().cwd().resolve(source);
                String where = upload(w, local, to[0], to[1]);
                o.line("copied " + local + " to " + to[0] + ":" + where);
            }
            return 0;
        }

        /** {@code SESSION:PATH} as its two parts, or null for a local path. */
        private static String[] remote(String arg) {
            int colon = arg.indexOf(':');
            if (colon <= 0 || arg.startsWith("./") || arg.startsWith("/") || arg.startsWith("../")) {
                return null;
            }
            return new String[]{arg.substring(0, colon), arg.substring(colon + 1)};
        }

        private static Path download(Workspaces w, String ref, String path, Path local) throws IOException {
            FileEntry top = w.stat(ref, path);
            Path target = Files.isDirectory(local) ? local.resolve(WorkspacePath.of(path).name().equals(".")
                    ? "workspace" : WorkspacePath.of(path).name()) : local;
            Path parent = target.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new InvalidInputException("local folder '" + parent + "' does not exist; create it first", "dest");
            }
            Path staging = parent.resolve(".pilothouse-cp-" + UUID.randomUUID());
            try {
                if (top.directory()) {
                    Path tar = staging.resolveSibling(staging.getFileName() + ".tgz");
                    try {
                        try (OutputStream out = Files.newOutputStream(tar)) {
                            w.archive(ref, path, out);
                        }
                        try (InputStream in = Files.newInputStream(tar)) {
                            Tarballs.unpack(in, staging);
                        }
                    } finally {
                        Files.deleteIfExists(tar);
                    }
                    Path unpacked;
                    try (Stream<Path> one = Files.list(staging)) {
                        unpacked = one.findFirst().orElseThrow();
                    }
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                        throw new InvalidInputException("'" + target + "' exists; copy the folder to another name or remove it first", "dest");
                    }
                    Files.move(unpacked, target);
                } else {
                    try (OutputStream out = Files.newOutputStream(staging)) {
                        w.copyTo(ref, path, out);
                    }
                    Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                return target;
            } finally {
                Trees.delete(staging);
            }
        }

        private static String upload(Workspaces w, Path local, String ref, String path) throws IOException {
            if (!Files.exists(local)) {
                throw new InvalidInputException("no local file or folder '" + local + "'", "source");
            }
            WorkspacePath dest = WorkspacePath.of(path);
            boolean intoFolder = path.endsWith("/") || dest.isRoot() || isFolder(w, ref, dest);
            WorkspacePath target = intoFolder ? dest.child(local.getFileName().toString()) : dest;
            if (Files.isDirectory(local)) {
                Path tar = Files.createTempFile("pilothouse-cp-", ".tgz");
                try {
                    try (OutputStream out = Files.newOutputStream(tar)) {
                        Tarballs.pack(local, target.name(), out);
                    }
                    try (InputStream in = Files.newInputStream(tar)) {
                        w.extract(ref, target.parent().toString(), in);
                    }
                } finally {
                    Files.deleteIfExists(tar);
                }
            } else {
                try (InputStream in = Files.newInputStream(local)) {
                    w.upload(ref, target.toString(), in);
                }
            }
            return target.toString();
        }

        private static boolean isFolder(Workspaces w, String ref, WorkspacePath p) {
            try {
                return w.stat(ref, p.toString()).directory();
            } catch (NotFoundException absent) {
                return false;
            }
        }
    }

    @Command(name = "rm", description = "Delete a file or (with -r) a folder from a session's workspace (audited)")
    static final class Rm extends EngineCommand {
        @Parameters(index = "0", paramLabel = "SESSION")
        String ref;

        @Parameters(index = "1", paramLabel = "PATH")
        String path;

        @Option(names = {"-r", "--recursive"}, description = "A folder with everything in it")
        boolean recursive;

        @Override
        int run(Engine e, Output o) {
            int n = e.workspaces().delete(ref, path, recursive);
            o.line("deleted " + WorkspacePath.of(path) + " (" + n + (n == 1 ? " entry" : " entries") + ")");
            return 0;
        }
    }
}
