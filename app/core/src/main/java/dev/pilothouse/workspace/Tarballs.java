package dev.pilothouse.workspace;

import dev.pilothouse.errors.InvalidInputException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Gzip'd tars of local trees, both ways, with commons-compress: what a folder is downloaded and
 * uploaded as. Packing deflates on all cores ({@link ParallelGzipOutputStream}). Links are kept as links, never followed; unpacking refuses entries that would land
 * outside the folder (absolute names, {@code ..}, links pointing out, hard links).
 */
public final class Tarballs {
    private static final int COPY_BUFFER = 128 * 1024;

    private Tarballs() {
    }

    /**
     * {@code start} (a file or folder) as a gzip'd tar, entries named {@code name/...}; with a null
     * {@code name}, a folder's contents with names relative to it (the folder itself not an entry).
     */
    public static void pack(Path start, String name, OutputStream out) {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new ParallelGzipOutputStream(nonClosing(out)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (name == null && dir.equals(start)) {
                        return FileVisitResult.CONTINUE;
                    }
                    add(tar, dir, entryName(start, dir, name) + "/");
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    add(tar, file, entryName(start, file, name));
                    return FileVisitResult.CONTINUE;
                }
            });
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String entryName(Path start, Path p, String name) {
        String rel = start.relativize(p).toString().replace('\\', '/');
        return name == null ? rel : rel.isEmpty() ? name : name + "/" + rel;
    }

    private static void add(TarArchiveOutputStream tar, Path p, String name) throws IOException {
        if (Files.isSymbolicLink(p)) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return;
        }
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return; // sockets, fifos, devices: nothing to download
        }
        TarArchiveEntry e = tar.createArchiveEntry(p, name, LinkOption.NOFOLLOW_LINKS);
        int perms = FileModes.of(p);
        if (perms != 0) {
            // commons-compress records 0644/0755 whatever the file's bits: a script stays executable
            e.setMode((e.isDirectory() ? 0040000 : 0100000) | perms);
        }
        tar.putArchiveEntry(e);
        if (e.isFile()) {
            try (InputStream in = Files.newInputStream(p)) {
                copy(in, tar);
            }
        }
        tar.closeArchiveEntry();
    }

    /**
     * Unpacks a gzip'd tar into {@code into} (which must be empty or new), refusing the whole
     * archive at the first entry that would land outside it. Files and folders keep their
     * permission bits and modification times, as {@code tar -x} keeps them: an exported script
     * stays executable. Returns the entries written.
     */
    public static int unpack(InputStream tarGz, Path into) {
        int n = 0;
        List<Runnable> folders = new ArrayList<>();
        try (GZIPInputStream gz = new GZIPInputStream(tarGz, 64 * 1024);
             ReadAheadInputStream ahead = new ReadAheadInputStream(gz); // inflating on one core, writing on the other
             TarArchiveInputStream tar = new TarArchiveInputStream(ahead)) {
            Files.createDirectories(into);
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                WorkspacePath rel = entryPath(e.getName());
                if (rel.isRoot()) {
                    continue;
                }
                Path target = into.resolve(String.join("/", rel.parts()));
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                    // last, innermost first: a folder's time moves as entries go in, and a
                    // read-only one would refuse them
                    TarArchiveEntry folder = e;
                    folders.add(0, () -> keepModeAndTime(target, folder));
                } else if (e.isSymbolicLink()) {
                    checkLink(rel, e.getLinkName());
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    try (OutputStream out = Files.newOutputStream(target)) {
                        copy(tar, out);
                    }
                    keepModeAndTime(target, e);
                } else if (e.isLink()) {
                    throw new InvalidInputException("archive entry '" + e.getName() + "' is a hard link; only files, "
                            + "folders and symbolic links are accepted", "archive");
                } else {
                    continue; // devices, fifos: not workspace content
                }
                n++;
            }
            // to the gzip trailer: a stream cut or damaged after the tar's end is refused too
            ahead.transferTo(OutputStream.nullOutputStream());
            folders.forEach(Runnable::run);
            return n;
        } catch (IOException e) {
            InvalidInputException broken = incomplete(e);
            throw broken != null ? broken : new UncheckedIOException(e);
        }
    }

    private static void keepModeAndTime(Path target, TarArchiveEntry e) {
        try {
            FileModes.apply(target, e.getMode(), e.getModTime() == null ? 0 : e.getModTime().getTime());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * What reading a gzip'd tar failing with {@code e} means when the archive is cut short or is
     * not one ("the archive is not a complete ..."), or null for another failure (a disk error).
     */
    public static InvalidInputException incomplete(IOException e) {
        if (e instanceof EOFException || e instanceof ZipException) {
            // an empty body or file ends before gzip's header: Java says EOFException with no message
            String why = e.getMessage() != null ? e.getMessage() : "it ends before its gzip header: empty or cut at the start";
            return new InvalidInputException("the archive is not a complete gzip'd tar (" + why + "); nothing was unpacked",
                    "archive");
        }
        if (e.getMessage() != null && (e.getMessage().contains("Error detected parsing the header")
                || e.getMessage().contains("Truncated TAR archive") || e.getMessage().contains("Unexpected EOF"))) {
            return new InvalidInputException("the archive is not a complete tar (" + e.getMessage()
                    + "); nothing was unpacked", "archive");
        }
        return null;
    }

    /** Copies with a buffer big enough that a large file costs few calls into the inflater and the kernel. */
    public static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[COPY_BUFFER];
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
        }
    }

    private static WorkspacePath entryPath(String name) {
        try {
            return WorkspacePath.of(name);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("archive entry " + e.getMessage().replaceFirst("^path ", "")
                    + "; nothing was unpacked", "archive");
        }
    }

    /** A link in an archive may point only to a place inside the folder it is unpacked into. */
    private static void checkLink(WorkspacePath at, String target) {
        if (target.startsWith("/")) {
            throw new InvalidInputException("archive entry '" + at + "' is a link to the absolute path '" + target
                    + "'; links must stay inside the folder", "archive");
        }
        int depth = at.parts().size() - 1;
        for (String p : target.split("/")) {
            if (p.equals("..")) {
                depth--;
            } else if (!p.isEmpty() && !p.equals(".")) {
                depth++;
            }
            if (depth < 0) {
                throw new InvalidInputException("archive entry '" + at + "' is a link to '" + target
                        + "', outside the folder it is unpacked into", "archive");
            }
        }
    }

    /** {@code out} with a close that only flushes: an archive ends without closing what it was written to. */
    public static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
