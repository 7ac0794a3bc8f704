package dev.pilothouse.runtime.local;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.Tarballs;
import dev.pilothouse.workspace.WorkspaceFiles;
import dev.pilothouse.workspace.WorkspacePath;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A local session's workspace directory itself. Every path is resolved through the symlinks on
 * its way and must end inside the workspace (a link may point elsewhere inside it, never out);
 * a link listed is shown as a link, not followed. Writes go to a staging name beside their target
 * first, so what is written appears whole or not at all.
 */
final class LocalWorkspaceFiles implements WorkspaceFiles {
    /** Staging names, hidden from listings. */
    private static final String STAGING = ".pilothouse-upload-";

    private final Path root;

    LocalWorkspaceFiles(Path workspace) {
        this.root = workspace.toAbsolutePath().normalize();
    }

    @Override
    public FileEntry stat(WorkspacePath path) {
        if (path.isRoot()) {
            return entry(path, confined(path));
        }
        Path p = directoryFor(path.parent()).resolve(path.name()); // the entry itself: a link is not followed
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw notFound(path);
        }
        return entry(path, p);
    }

    @Override
    public List<FileEntry> list(WorkspacePath dir) {
        Path d = confined(dir);
        if (!Files.isDirectory(d)) {
            throw new InvalidInputException("'" + dir + "' is a file, not a folder", "path");
        }
        List<FileEntry> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(d)) {
            for (Path c : children) {
                String name = c.getFileName().toString();
                if (!name.startsWith(STAGING)) {
                    entries.add(entry(dir.child(name), c));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        entries.sort(Comparator.comparing((FileEntry e) -> !e.directory()).thenComparing(FileEntry::name));
        return entries;
    }

    @Override
    public byte[] read(WorkspacePath file, long offset, int max) {
        Path f = regularFile(file);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.max(0, Math.min(max, size - offset));
            ByteBuffer buf = ByteBuffer.allocate(n);
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
                // a file that shrinks under us ends the page early
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void copyTo(WorkspacePath file, OutputStream out) {
        try {
            Files.copy(regularFile(file), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void archive(WorkspacePath path, OutputStream out) {
        Path p = confined(path);
        Tarballs.pack(p, path.isRoot() ? "workspace" : path.name(), out);
    }

    @Override
    public void archiveContents(WorkspacePath dir, OutputStream out) {
        Tarballs.pack(directoryFor(dir), null, out);
    }

    @Override
    public FileEntry write(WorkspacePath file, InputStream content) {
        if (file.isRoot()) {
            throw new InvalidInputException("give the file's path in the workspace, not '.'", "path");
        }
        Path parent = createdDirectory(file.parent());
        Path target = parent.resolve(file.name());
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("'" + file + "' is a folder; give a file's path", "path");
        }
        Path staging = parent.resolve(STAGING + UUID.randomUUID());
        try {
            Files.copy(content, staging);
            Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return entry(file, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(staging);
        }
    }

    @Override
    public int extract(WorkspacePath dir, InputStream tarGz) {
        Path into = createdDirectory(dir);
        Path staging = into.resolve(STAGING + UUID.randomUUID());
        try {
            int n = Tarballs.unpack(tarGz, staging); // a bad archive stops here, before anything is in place
            merge(staging, into);
            return n;
        } finally {
            deleteQuietly(staging);
        }
    }

    /** Moves the unpacked tree into place: folders merged, files and links replaced. */
    private void merge(Path from, Path into) {
        try (Stream<Path> children = Files.list(from)) {
            for (Path c : children.toList()) {
                Path target = into.resolve(c.getFileName().toString());
                checkInside(target.getParent());
                boolean dir = Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS);
                if (dir && Files.isDirectory(target)) {
                    checkInside(target);
                    merge(c, target.toRealPath());
                } else {
                    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        deleteTree(target);
                    }
                    Files.move(c, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int delete(WorkspacePath path, boolean recursive) {
        if (path.isRoot()) {
            throw new InvalidInputException("the workspace itself cannot be deleted; name what is in it", "path");
        }
        Path parent = directoryFor(path.parent());
        Path p = parent.resolve(path.name());
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw notFound(path);
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!recursive) {
                throw new InvalidInputException("'" + path + "' is a folder; delete it with everything in it "
                        + "(--recursive, recursive=true) or name a file", "recursive");
            }
            return deleteTree(p);
        }
        try {
            Files.delete(p); // a link itself, never what it points to
            return 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- confinement ---------------------------------------------------------------------

    /** The path resolved through its links; refused when it leads out of the workspace. */
    private Path confined(WorkspacePath path) {
        Path p = root.resolve(String.join("/", path.parts()));
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(realRoot())) {
                throw new InvalidInputException("'" + path + "' leads out of the workspace through a symbolic link",
                        "path");
            }
            return real;
        } catch (NoSuchFileException e) {
            throw notFound(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path directoryFor(WorkspacePath dir) {
        Path d = confined(dir);
        if (!Files.isDirectory(d)) {
            throw new InvalidInputException("'" + dir + "' is a file, not a folder", "path");
        }
        return d;
    }

    /** The folder, created with its parents where missing; each step checked to stay inside. */
    private Path createdDirectory(WorkspacePath dir) {
        try {
            Path d = realRoot();
            for (String part : dir.parts()) {
                Path next = d.resolve(part);
                if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(next);
                }
                d = next.toRealPath();
                if (!d.startsWith(realRoot())) {
                    throw new InvalidInputException("'" + dir + "' leads out of the workspace through a symbolic link", "path");
                }
                if (!Files.isDirectory(d)) {
                    throw new InvalidInputException("'" + root.relativize(next) + "' is a file, not a folder", "path");
                }
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path regularFile(WorkspacePath file) {
        Path f = confined(file);
        if (Files.isDirectory(f)) {
            throw new InvalidInputException("'" + file + "' is a folder; download it as an archive, or name a file",
                    "path");
        }
        if (!Files.isRegularFile(f)) {
            throw new InvalidInputException("'" + file + "' is not a regular file", "path");
        }
        return f;
    }

    private void checkInside(Path p) throws IOException {
        if (!p.toRealPath().startsWith(realRoot())) {
            throw new InvalidInputException("the upload would write through a symbolic link that leads out of the "
                    + "workspace ('" + root.relativize(p) + "')", "path");
        }
    }

    private Path realRoot() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NotFoundException("the session's workspace does not exist (" + root + ")");
        }
        return root.toRealPath();
    }

    private NotFoundException notFound(WorkspacePath path) {
        return new NotFoundException("no file or folder '" + path + "' in the workspace");
    }

    private static FileEntry entry(WorkspacePath path, Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            FileEntry.Type type = a.isSymbolicLink() ? FileEntry.Type.LINK : a.isDirectory() ? FileEntry.Type.DIRECTORY
                    : a.isRegularFile() ? FileEntry.Type.FILE : FileEntry.Type.OTHER;
            String target = a.isSymbolicLink() ? Files.readSymbolicLink(p).toString() : null;
            return new FileEntry(path.toString(), path.name(), type, a.isRegularFile() ? a.size() : 0,
                    a.lastModifiedTime().toInstant(), target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int deleteTree(Path top) {
        try {
            return LocalRuntime.deleteTree(top);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                deleteTree(p);
            } catch (UncheckedIOException ignored) {
                // a staging leftover is hidden from listings and removed by the next write
            }
        }
    }
}
