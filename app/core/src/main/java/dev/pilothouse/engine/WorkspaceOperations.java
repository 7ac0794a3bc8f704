package dev.pilothouse.engine;

import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.TextPage;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The workspace browser as the console and the CLI use it, whether the engine runs in this process
 * ({@link Workspaces}) or in {@code pilothouse serve} (over {@code /api/v0/sessions/{id}/files}).
 * {@code ref} is a session's id or name; paths are relative to its workspace (docs/workspace.md).
 */
public interface WorkspaceOperations {

    FileEntry stat(String ref, String path);

    /** A folder's entries, folders first, links not followed. */
    List<FileEntry> list(String ref, String dir);

    /** A page of a file as text; a binary file says so, with no text. */
    TextPage text(String ref, String path, long offset, int maxBytes);

    /** A file's bytes, whole. */
    void copyTo(String ref, String path, OutputStream out);

    /** A file or folder as a gzip'd tar. */
    void archive(String ref, String path, OutputStream out);

    /** Stores a file (replacing one); audited. */
    FileEntry upload(String ref, String path, InputStream content);

    /** Unpacks a gzip'd tar into a folder; returns the entries written; audited. */
    int extract(String ref, String dir, InputStream tarGz);

    /** Deletes a file, link, or (recursive) folder; returns the entries removed; audited. */
    int delete(String ref, String path, boolean recursive);
}
