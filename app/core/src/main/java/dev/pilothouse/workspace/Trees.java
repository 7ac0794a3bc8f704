package dev.pilothouse.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
}
