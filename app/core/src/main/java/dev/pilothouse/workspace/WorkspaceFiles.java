package dev.pilothouse.workspace;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * A session's workspace as files, for the workspace browser: the runtime's view of its volume (a
 * local directory, an agent container, an inspector pod). Paths are already checked
 * ({@link WorkspacePath}); an implementation refuses what leads out through symlinks, which only
 * it can see. Not found is {@code NotFoundException}, a wrong kind of entry {@code InvalidInputException}.
 */
public interface WorkspaceFiles extends AutoCloseable {

    FileEntry stat(WorkspacePath path);

    /** A directory's entries (one level, links not followed), directories first, then by name. */
    List<FileEntry> list(WorkspacePath dir);

    /** Up to {@code max} bytes of a file from {@code offset}; fewer at its end. */
    byte[] read(WorkspacePath file, long offset, int max);

    /** A file's bytes, whole, to {@code out}. */
    void copyTo(WorkspacePath file, OutputStream out);

    /** A file or folder as a gzip'd tar to {@code out}, named from its own name down. */
    void archive(WorkspacePath path, OutputStream out);

    /**
     * A folder's contents as a gzip'd tar to {@code out}, named relative to it (the folder itself
     * is no entry, {@code ./} prefixes allowed): what {@link #extract} takes back into a folder.
     */
    void archiveContents(WorkspacePath dir, OutputStream out);

    /** Stores {@code content} as a file (replacing one, creating parent folders); all or nothing. Returns its entry. */
    FileEntry write(WorkspacePath file, InputStream content);

    /** Unpacks a gzip'd tar into a folder (merging, files replaced); all or nothing. Returns the entries written. */
    int extract(WorkspacePath dir, InputStream tarGz);

    /** Removes a file, link or (when {@code recursive}) a folder with all it holds. Returns the entries removed. */
    int delete(WorkspacePath path, boolean recursive);

    /** Releases what the view holds (an inspector pod); the local directory holds nothing. */
    @Override
    default void close() {
    }
}
