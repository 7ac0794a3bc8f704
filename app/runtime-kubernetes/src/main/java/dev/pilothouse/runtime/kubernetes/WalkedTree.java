package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.workspace.FileModes;
import dev.pilothouse.workspace.WorkspacePath;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds here a tree walked in a pod without tar ({@link WorkspaceScripts#WALK}): folders, files
 * from their base64, links as links, with their permissions and times, so that it can be packed
 * as the local runtime packs a folder.
 */
final class WalkedTree {
    private final InputStream in;
    private final Path top;
    /** Folders' modes and times, applied last (filling them changes their times). */
    private final Map<Path, String> folders = new LinkedHashMap<>();

    private WalkedTree(InputStream in, Path top) {
        this.in = new BufferedInputStream(in, 64 * 1024);
        this.top = top;
    }

    /** Rebuilds the walked tree as {@code top} (a folder, or the one file asked for). */
    static void unpack(InputStream walked, Path top) throws IOException {
        Files.createDirectories(top.getParent());
        new WalkedTree(walked, top).read();
    }

    private void read() throws IOException {
        for (int kind; (kind = in.read()) >= 0; ) {
            String rel = until(0);
            Path p = rel.isEmpty() ? top : top.resolve(String.join("/", checked(rel).parts()));
            switch (kind) {
                case 'R', 'F' -> {
                    String stat = until('\n');
                    try (OutputStream out = Files.newOutputStream(p)) {
                        decode(out);
                    }
                    apply(p, stat);
                }
                case 'D' -> {
                    Files.createDirectories(p);
                    folders.put(p, until('\n'));
                }
                case 'L' -> {
                    String target = until(0);
                    Files.createSymbolicLink(p, Path.of(target.endsWith("\n") ? target.substring(0, target.length() - 1) : target));
                }
                default -> throw broken("an entry of kind " + kind);
            }
        }
        List<Path> reversed = new ArrayList<>(folders.keySet());
        java.util.Collections.reverse(reversed);
        for (Path d : reversed) {
            apply(d, folders.get(d));
        }
    }

    private static WorkspacePath checked(String rel) {
        WorkspacePath p = WorkspacePath.of(rel);
        if (p.isRoot()) {
            throw broken("an empty name");
        }
        return p;
    }

    /** Base64 lines up to a line "."; decoded a whole number of quads at a time. */
    private void decode(OutputStream out) throws IOException {
        StringBuilder pending = new StringBuilder();
        while (true) {
            String line = until('\n');
            if (line.equals(".")) {
                break;
            }
            pending.append(line.strip());
            int whole = pending.length() - pending.length() % 4;
            if (whole > 0) {
                out.write(Base64.getDecoder().decode(pending.substring(0, whole)));
                pending.delete(0, whole);
            }
        }
        if (!pending.isEmpty()) {
            throw broken("base64 that does not end on a whole quad");
        }
    }

    /** "MODE MTIME": octal permissions and seconds since the epoch. */
    private static void apply(Path p, String stat) throws IOException {
        String[] f = stat.strip().split(" ");
        if (f.length < 2) {
            return;
        }
        FileModes.apply(p, Integer.parseInt(f[0], 8), Long.parseLong(f[1]) * 1000);
    }

    private String until(int end) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != end; ) {
            if (c < 0) {
                throw broken("an unexpected end");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static OperationFailedException broken(String what) {
        return new OperationFailedException("the workspace listing from the pod is broken: " + what);
    }
}
