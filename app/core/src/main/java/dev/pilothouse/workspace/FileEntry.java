package dev.pilothouse.workspace;

import java.time.Instant;

/**
 * One entry of a workspace: a file, a directory, or a symbolic link (never followed when listed).
 *
 * @param path   the entry's path in the workspace ({@code .} for the workspace itself)
 * @param size   bytes of a file; 0 for a directory or link
 * @param target where a link points, as stored in it; null otherwise
 */
public record FileEntry(String path, String name, Type type, long size, Instant modified, String target) {
    public enum Type { FILE, DIRECTORY, LINK, OTHER }

    public boolean directory() {
        return type == Type.DIRECTORY;
    }
}
