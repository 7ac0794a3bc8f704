package dev.pilothouse.workspace;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local file trees. */
public final class Trees {
    private Trees() {
    }

    /** Removes a tree, links themselves and never what they point to; returns the entries removed. */
    public static int delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                n += Files.deleteIfExists(p) ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether {@code dir} is a directory (not a link to one) with nothing in it. */
    public static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Bytes and regular files in a tree, links not followed; {0, 0} when it is not there. Entries
     * that vanish or cannot be read while walking are skipped: a size is a reading, not an inventory.
     */
    public static long[] size(Path root) {
        long[] total = new long[2];
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return total;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                        total[1]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // only the root itself can fail here (removed meanwhile): what was counted stands
        }
        return total;
    }
}
