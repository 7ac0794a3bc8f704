package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.Tarballs;
import dev.pilothouse.workspace.Trees;
import dev.pilothouse.workspace.WorkspaceFiles;
import dev.pilothouse.workspace.WorkspacePath;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A session's workspace seen from inside a pod: its agent container while it runs, an inspector
 * pod while it is paused. Every operation is one shell script through {@code pods/exec}
 * ({@link WorkspaceScripts}) with the local runtime's semantics and messages; what goes in or
 * comes out whole (uploads, archives) is staged in a local temporary file first, so a refusal or
 * a broken stream is known before anything is written. Without tar in the image, archives are
 * built and unpacked here and files travel one by one.
 */
final class PodWorkspaceFiles implements WorkspaceFiles {
    private static final String STAGING = ".pilothouse-upload-";

    private final PodShell shell;
    private final String mountPath;
    /** Why the view may not change anything (a paused session's inspector); null when it may. */
    private final String readOnly;
    private final Runnable onClose;
    /** Whether the container has tar and gzip: asked once per view. */
    private volatile Boolean tar;

    PodWorkspaceFiles(PodShell shell, String mountPath, String readOnly, Runnable onClose) {
        this.shell = shell;
        this.mountPath = mountPath;
        this.readOnly = readOnly;
        this.onClose = onClose;
    }

    /** The shell the view runs its scripts with (tests). */
    PodShell shell() {
        return shell;
    }

    boolean hasTar() {
        Boolean t = tar;
        if (t == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            run(WorkspaceScripts.HAS_TAR, WorkspacePath.ROOT, List.of(), null, out);
            tar = t = out.toString(StandardCharsets.UTF_8).strip().equals("tar");
        }
        return t;
    }

    @Override
    public FileEntry stat(WorkspacePath path) {
        byte[] out = capture(WorkspaceScripts.STAT, path, path.isRoot() ? List.of() : List.of(rel(path.parent()), path.name()));
        Records r = new Records(out);
        return entry(path, r.line(), r.linkTarget());
    }

    @Override
    public List<FileEntry> list(WorkspacePath dir) {
        Records r = new Records(capture(WorkspaceScripts.LIST, dir, List.of()));
        List<FileEntry> entries = new ArrayList<>();
        while (r.hasMore()) {
            String name = r.until0();
            FileEntry e = entry(dir.child(name), r.line(), r.linkTarget());
            if (!name.startsWith(STAGING)) {
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparing((FileEntry e) -> !e.directory()).thenComparing(FileEntry::name));
        return entries;
    }

    @Override
    public byte[] read(WorkspacePath file, long offset, int max) {
        if (max <= 0) {
            return new byte[0];
        }
        return capture(WorkspaceScripts.READ, file, List.of(Integer.toString(max), Long.toString(Math.max(0, offset) + 1)));
    }

    @Override
    public void copyTo(WorkspacePath file, OutputStream out) {
        // the checks come before the first byte: a refusal writes nothing
        run(WorkspaceScripts.CAT, file, List.of(), null, out);
    }

    @Override
    public void archive(WorkspacePath path, OutputStream out) {
        archive(path, path.isRoot() ? "workspace" : path.name(), out);
    }

    @Override
    public void archiveContents(WorkspacePath dir, OutputStream out) {
        if (stat(dir).type() == FileEntry.Type.FILE) {
            throw new InvalidInputException("'" + dir + "' is a file, not a folder", "path");
        }
        archive(dir, null, out);
    }

    /**
     * {@code path} as a gzip'd tar, its entries under {@code name}, or named relative to it when
     * {@code name} is null; staged in a local folder first, so a failure in the pod sends nothing.
     */
    private void archive(WorkspacePath path, String name, OutputStream out) {
        Path tmp = tempDir();
        try {
            if (hasTar()) {
                Path tgz = tmp.resolve("pod.tar.gz");
                try (OutputStream f = Files.newOutputStream(tgz)) {
                    run(WorkspaceScripts.TAR, path, List.of(), null, f);
                }
                if (name == null) {
                    Files.copy(tgz, out); // the pod's own "./..." names, as extract takes them
                } else {
                    try (InputStream in = Files.newInputStream(tgz)) {
                        TarNames.rename(in, name, out);
                    }
                }
            } else {
                Path stream = tmp.resolve("pod.walk");
                try (OutputStream f = Files.newOutputStream(stream)) {
                    run(WorkspaceScripts.WALK, path, List.of(), null, f);
                }
                Path top = tmp.resolve("tree").resolve(name == null ? "contents" : name);
                try (InputStream in = Files.newInputStream(stream)) {
                    WalkedTree.unpack(in, top);
                }
                Tarballs.pack(top, name, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    @Override
    public FileEntry write(WorkspacePath file, InputStream content) {
        requireWritable();
        if (file.isRoot()) {
            throw new InvalidInputException("give the file's path in the workspace, not '.'", "path");
        }
        Path tmp = tempDir();
        try {
            Path local = tmp.resolve("upload");
            long size = Files.copy(content, local);
            byte[] out;
            try (InputStream in = Files.newInputStream(local)) {
                out = capture(WorkspaceScripts.WRITE, file, List.of(rel(file.parent()), file.name(), Long.toString(size),
                        STAGING + UUID.randomUUID()), in);
            }
            Records r = new Records(out);
            return entry(file, r.line(), r.linkTarget());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    @Override
    public int extract(WorkspacePath dir, InputStream tarGz) {
        requireWritable();
        Path tmp = tempDir();
        try {
            // unpacked here first: a bad archive (or an entry leading out) is refused before the pod sees any of it
            Path tree = tmp.resolve("tree");
            int n = Tarballs.unpack(tarGz, tree);
            String staging = STAGING + UUID.randomUUID();
            if (hasTar()) {
                Path tgz = tmp.resolve("upload.tar.gz");
                try (OutputStream f = Files.newOutputStream(tgz)) {
                    Tarballs.pack(tree, null, f);
                }
                try (InputStream in = Files.newInputStream(tgz)) {
                    run(WorkspaceScripts.UNTAR, dir, List.of(staging, Long.toString(Files.size(tgz))), in, OutputStream.nullOutputStream());
                }
            } else {
                putOneByOne(dir, tree, staging);
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Without tar: a staging folder, each entry into it (folders, files, then links), then merged into place. */
    private void putOneByOne(WorkspacePath dir, Path tree, String staging) throws IOException {
        run(WorkspaceScripts.STAGE, dir, List.of(staging), null, OutputStream.nullOutputStream());
        String stageRel = dir.isRoot() ? staging : rel(dir) + "/" + staging;
        try {
            List<Path> all;
            try (Stream<Path> walk = Files.walk(tree)) {
                all = walk.filter(p -> !p.equals(tree)).toList();
            }
            List<Path> links = new ArrayList<>();
            for (Path p : all) {
                String rel = tree.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    links.add(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    run(WorkspaceScripts.PUT, dir, List.of(stageRel, rel, "D"), null, OutputStream.nullOutputStream());
                } else {
                    try (InputStream in = Files.newInputStream(p)) {
                        run(WorkspaceScripts.PUT, dir, List.of(stageRel, rel, "F", Long.toString(Files.size(p))), in,
                                OutputStream.nullOutputStream());
                    }
                }
            }
            // links last, so that no file is written through one
            for (Path p : links) {
                run(WorkspaceScripts.PUT, dir, List.of(stageRel, tree.relativize(p).toString().replace('\\', '/'), "L",
                        Files.readSymbolicLink(p).toString()), null, OutputStream.nullOutputStream());
            }
            run(WorkspaceScripts.UNSTAGE, dir, List.of(staging), null, OutputStream.nullOutputStream());
        } catch (RuntimeException | IOException e) {
            try {
                run(WorkspaceScripts.DISCARD, dir, List.of(staging), null, OutputStream.nullOutputStream());
            } catch (RuntimeException ignored) {
                // a staging leftover is hidden from listings
            }
            throw e;
        }
    }

    @Override
    public int delete(WorkspacePath path, boolean recursive) {
        requireWritable();
        if (path.isRoot()) {
            throw new InvalidInputException("the workspace itself cannot be deleted; name what is in it", "path");
        }
        byte[] out = capture(WorkspaceScripts.DELETE, path, List.of(rel(path.parent()), path.name(), recursive ? "1" : "0"));
        return Integer.parseInt(new String(out, StandardCharsets.UTF_8).strip());
    }

    @Override
    public void close() {
        if (onClose != null) {
            onClose.run();
        }
    }

    // ---- running scripts -----------------------------------------------------------------------

    private void requireWritable() {
        if (readOnly != null) {
            throw new InvalidInputException(readOnly);
        }
    }

    private byte[] capture(String script, WorkspacePath path, List<String> more) {
        return capture(script, path, more, null);
    }

    private byte[] capture(String script, WorkspacePath path, List<String> more, InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        run(script, path, more, in, out);
        return out.toByteArray();
    }

    /**
     * Runs a script with $1 the mount path, $2 {@code path} (relative), then {@code more};
     * a refusal becomes the local runtime's exception.
     */
    private void run(String script, WorkspacePath path, List<String> more, InputStream in, OutputStream out) {
        List<String> args = new ArrayList<>();
        args.add(mountPath);
        args.add(rel(path));
        args.addAll(more);
        PodShell.Result r = shell.run(script, args, in, out);
        if (r.code() != 0) {
            throw refusal(r, path);
        }
    }

    private RuntimeException refusal(PodShell.Result r, WorkspacePath asked) {
        String refused = r.refusedPath();
        String at = refused == null || refused.isEmpty() ? "." : refused;
        return switch (r.code()) {
            case WorkspaceScripts.NO_WORKSPACE -> new NotFoundException("the session's workspace does not exist ("
                    + mountPath + " in pod " + shell.pod() + ")");
            case WorkspaceScripts.NOT_FOUND -> new NotFoundException("no file or folder '" + at + "' in the workspace");
            case WorkspaceScripts.LEADS_OUT -> new InvalidInputException("'" + at + "' leads out of the workspace through a "
                    + "symbolic link", "path");
            case WorkspaceScripts.NOT_A_FOLDER -> new InvalidInputException("'" + at + "' is a file, not a folder", "path");
            case WorkspaceScripts.IS_A_FOLDER -> new InvalidInputException("'" + at + "' is a folder; download it as an "
                    + "archive, or name a file", "path");
            case WorkspaceScripts.WRITE_TO_FOLDER -> new InvalidInputException("'" + at + "' is a folder; give a file's path",
                    "path");
            case WorkspaceScripts.NOT_REGULAR -> new InvalidInputException("'" + at + "' is not a regular file", "path");
            case WorkspaceScripts.SHORT_INPUT -> new OperationFailedException("the upload of '" + at + "' did not arrive "
                    + "whole in pod " + shell.pod() + "; nothing was replaced");
            case WorkspaceScripts.CHANGED -> new OperationFailedException("'" + asked + "' changed while it was read in pod "
                    + shell.pod() + "; try again");
            case WorkspaceScripts.UPLOAD_LEADS_OUT -> new InvalidInputException("the upload would write through a symbolic "
                    + "link that leads out of the workspace ('" + at + "')", "path");
            case WorkspaceScripts.NOT_RECURSIVE -> new InvalidInputException("'" + at + "' is a folder; delete it with "
                    + "everything in it (--recursive, recursive=true) or name a file", "recursive");
            default -> new OperationFailedException("a command on the workspace in container '" + shell.container()
                    + "' of pod " + shell.pod() + " failed (exit " + r.code() + ")"
                    + (r.said().isEmpty() ? "" : ": " + r.said()));
        };
    }

    // ---- records -------------------------------------------------------------------------------

    /** An entry from a stat line "RAWMODE SIZE MTIME" (mode in hex) and a link's target. */
    private static FileEntry entry(WorkspacePath path, String stat, String target) {
        String[] f = stat.strip().split(" ");
        int mode = Integer.parseInt(f[0], 16) & 0xF000;
        FileEntry.Type type = mode == 0xA000 ? FileEntry.Type.LINK : mode == 0x4000 ? FileEntry.Type.DIRECTORY
                : mode == 0x8000 ? FileEntry.Type.FILE : FileEntry.Type.OTHER;
        long size = type == FileEntry.Type.FILE ? Long.parseLong(f[1]) : 0;
        return new FileEntry(path.toString(), path.name(), type, size, java.time.Instant.ofEpochSecond(Long.parseLong(f[2])),
                type == FileEntry.Type.LINK ? target : null);
    }

    /** Reads a script's output: lines, NUL-terminated names, link targets ("TARGET\n\0"; "\0" for none). */
    private static final class Records {
        private final byte[] b;
        private int at;

        Records(byte[] b) {
            this.b = b;
        }

        boolean hasMore() {
            return at < b.length;
        }

        String line() {
            return until((byte) '\n');
        }

        String until0() {
            return until((byte) 0);
        }

        /** readlink's output: the target, its newline, then the NUL the script adds. */
        String linkTarget() {
            String t = until0();
            return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
        }

        private String until(byte end) {
            int start = at;
            while (at < b.length && b[at] != end) {
                at++;
            }
            if (at >= b.length) {
                throw new OperationFailedException("unexpected output from the workspace command (truncated)");
            }
            String s = new String(b, start, at - start, StandardCharsets.UTF_8);
            at++;
            return s;
        }
    }

    // ---- local temporary files -----------------------------------------------------------------

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("pilothouse-pod-files-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Trees.delete(p);
        } catch (IOException | RuntimeException ignored) {
            // a temporary file left behind is the system's to clean
        }
    }

    /** A path as the scripts take it: relative, "" for the workspace itself. */
    private static String rel(WorkspacePath p) {
        return p.isRoot() ? "" : p.toString();
    }
}
