package dev.pilothouse.workspace;

import dev.pilothouse.errors.InvalidInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * A path inside a session's workspace as an operator typed it, checked before any runtime sees it:
 * relative, no {@code ..}, no NUL, {@code /}-separated whatever the platform. The empty path (or
 * {@code .}) is the workspace itself. Symlinks that lead out are the runtime's check, since only
 * it can see them.
 */
public final class WorkspacePath {
    /** Longest accepted path, in characters (Linux's PATH_MAX is 4,096 bytes). */
    public static final int MAX_CHARS = 4096;

    private final List<String> parts;

    private WorkspacePath(List<String> parts) {
        this.parts = List.copyOf(parts);
    }

    public static final WorkspacePath ROOT = new WorkspacePath(List.of());

    /** The path, normalised ({@code a//b/./c/} is {@code a/b/c}); what is refused says why. */
    public static WorkspacePath of(String path) {
        if (path == null) {
            return ROOT;
        }
        if (path.length() > MAX_CHARS) {
            throw refused(path.substring(0, 40) + "…", "is longer than " + MAX_CHARS + " characters");
        }
        if (path.indexOf('\0') >= 0) {
            throw refused(path, "contains a NUL character");
        }
        if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z]:.*")) {
            throw refused(path, "is absolute; give it relative to the workspace ('src/main.py'; '.' is the workspace itself)");
        }
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw refused(path, "leads out of the workspace ('..' is not accepted)");
            }
            parts.add(p);
        }
        return new WorkspacePath(parts);
    }

    private static InvalidInputException refused(String path, String why) {
        return new InvalidInputException("path '" + path + "' " + why, "path");
    }

    public boolean isRoot() {
        return parts.isEmpty();
    }

    /** The path's parts, outermost first. */
    public List<String> parts() {
        return parts;
    }

    /** The last part; the workspace itself is {@code .}. */
    public String name() {
        return parts.isEmpty() ? "." : parts.get(parts.size() - 1);
    }

    public WorkspacePath parent() {
        return parts.isEmpty() ? this : new WorkspacePath(parts.subList(0, parts.size() - 1));
    }

    public WorkspacePath child(String name) {
        List<String> more = new ArrayList<>(parts);
        more.addAll(of(name).parts);
        return new WorkspacePath(more);
    }

    /** The path as shown and as given to runtimes: {@code a/b}, or {@code .} for the workspace. */
    @Override
    public String toString() {
        return parts.isEmpty() ? "." : String.join("/", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkspacePath w && w.parts.equals(parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }
}
