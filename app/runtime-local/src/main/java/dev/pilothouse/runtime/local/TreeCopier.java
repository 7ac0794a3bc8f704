package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.CopyProgress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Copies a directory tree like {@code cp -a} (files, directories, symbolic links, times and
 * permissions), with files copied on several threads: a workspace is usually many small files,
 * where one thread waits on the file system more than it copies.
 */
final class TreeCopier {
    private TreeCopier() {
    }

    /**
     * Copies {@code source} to {@code target}, which must not exist, keeping only the paths
     * (relative to {@code source}) that {@code include} accepts.
     */
    static void copy(Path source, Path target, Predicate<Path> include, CopyProgress progress) throws IOException {
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<FileTime> times = new ArrayList<>();
        List<Path> links = new ArrayList<>();
        long[] total = {0};
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                Path rel = source.relativize(dir);
                if (!rel.toString().isEmpty() && !include.test(rel)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                dirs.add(rel);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                Path rel = source.relativize(file);
                if (include.test(rel)) {
                    if (attrs.isSymbolicLink()) {
                        links.add(rel);
                    } else if (attrs.isRegularFile()) {
                        files.add(rel);
                        times.add(attrs.lastModifiedTime());
                        total[0] += attrs.size();
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path d : dirs) {
            Files.createDirectories(target.resolve(d.toString()));
        }
        copyFiles(source, target, files, times, total[0], progress);
        for (Path l : links) {
            Files.createSymbolicLink(target.resolve(l.toString()), Files.readSymbolicLink(source.resolve(l)));
        }
        // directory times and modes last: creating entries inside a directory changes its time
        for (int i = dirs.size() - 1; i >= 0; i--) {
            copyDirectoryAttributes(source.resolve(dirs.get(i)), target.resolve(dirs.get(i).toString()));
        }
    }

    private static void copyFiles(Path source, Path target, List<Path> files, List<FileTime> times, long totalBytes,
                                  CopyProgress progress)
            throws IOException {
        int threads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors() * 2));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "volume-copy");
            t.setDaemon(true);
            return t;
        });
        AtomicLong bytes = new AtomicLong();
        AtomicLong done = new AtomicLong();
        progress.update(0, totalBytes, 0, files.size());
        try {
            List<Future<?>> futures = new ArrayList<>(files.size());
            for (int i = 0; i < files.size(); i++) {
                Path f = files.get(i);
                FileTime modified = times.get(i);
                futures.add(pool.submit(() -> {
                    Path from = source.resolve(f);
                    Path to = target.resolve(f.toString());
                    try {
                        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                        // Files.copy keeps times to the microsecond; cp -a keeps the nanoseconds too
                        Files.setLastModifiedTime(to, modified);
                        long size = Files.size(to);
                        progress.update(bytes.addAndGet(size), totalBytes, done.incrementAndGet(), files.size());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("copy interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void copyDirectoryAttributes(Path from, Path to) throws IOException {
        PosixFileAttributeView fromView = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        PosixFileAttributeView toView = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (fromView != null && toView != null) {
            toView.setPermissions(fromView.readAttributes().permissions());
        }
        FileTime modified = Files.getLastModifiedTime(from);
        Files.setLastModifiedTime(to, modified);
    }
}
