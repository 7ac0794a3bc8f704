package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.TextPage;
import dev.pilothouse.workspace.WorkspaceFiles;
import dev.pilothouse.workspace.WorkspacePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The workspace browser's engine side: a session's files through its runtime ({@code
 * SessionRuntime.files}), paths checked first, every change (upload, unpack, delete) audited with
 * what and where but never the content. Reading needs no lock: an agent may be writing the same
 * files, as it would while an operator looks with {@code ls}.
 */
public final class Workspaces implements WorkspaceOperations {
    private static final Logger log = LoggerFactory.getLogger(Workspaces.class);

    private final Engine engine;

    Workspaces(Engine engine) {
        this.engine = engine;
    }

    @Override
    public FileEntry stat(String ref, String path) {
        return read(ref, f -> f.stat(WorkspacePath.of(path)));
    }

    @Override
    public List<FileEntry> list(String ref, String dir) {
        return read(ref, f -> f.list(WorkspacePath.of(dir)));
    }

    /** A page of a file as text (a binary file says so, with no text). */
    @Override
    public TextPage text(String ref, String path, long offset, int maxBytes) {
        if (offset < 0) {
            throw new InvalidInputException("offset " + offset + " is negative; pages start at 0", "offset");
        }
        if (maxBytes < 1 || maxBytes > TextPage.MAX_BYTES) {
            throw new InvalidInputException("a page is 1 to " + TextPage.MAX_BYTES + " bytes, not " + maxBytes, "length");
        }
        WorkspacePath p = WorkspacePath.of(path);
        return read(ref, f -> {
            FileEntry e = f.stat(p);
            if (e.type() != FileEntry.Type.FILE && e.type() != FileEntry.Type.LINK) {
                throw new InvalidInputException("'" + p + "' is a folder; list it, or name a file", "path");
            }
            if (e.type() == FileEntry.Type.LINK) {
                // a link's own size is not its file's: one byte more than the page says whether more follows
                byte[] read = f.read(p, offset, maxBytes + 1);
                byte[] bytes = read.length > maxBytes ? Arrays.copyOf(read, maxBytes) : read;
                return TextPage.of(p.toString(), offset, offset + read.length, bytes);
            }
            byte[] bytes = f.read(p, offset, maxBytes);
            long size = Math.max(e.size(), offset + bytes.length); // a file that grew since the stat is read to here
            return TextPage.of(p.toString(), offset, size, bytes);
        });
    }

    /** A file's bytes, whole. */
    @Override
    public void copyTo(String ref, String path, OutputStream out) {
        read(ref, f -> {
            f.copyTo(WorkspacePath.of(path), out);
            return null;
        });
    }

    /** A file or folder as a gzip'd tar. */
    @Override
    public void archive(String ref, String path, OutputStream out) {
        read(ref, f -> {
            f.archive(WorkspacePath.of(path), out);
            return null;
        });
    }

    /** A folder's contents as a gzip'd tar, named relative to it: what {@link #extract} unpacks into a folder. */
    public void archiveContents(String ref, String dir, OutputStream out) {
        read(ref, f -> {
            f.archiveContents(WorkspacePath.of(dir), out);
            return null;
        });
    }

    /** Stores a file in the workspace (replacing one). */
    @Override
    public FileEntry upload(String ref, String path, InputStream content) {
        WorkspacePath p = WorkspacePath.of(path);
        return change(ref, "upload", p, f -> {
            FileEntry e = f.write(p, content);
            return new Done<>(e, Json.object().put("bytes", e.size()));
        });
    }

    /** Unpacks a gzip'd tar into a folder of the workspace; returns the entries written. */
    @Override
    public int extract(String ref, String dir, InputStream tarGz) {
        WorkspacePath p = WorkspacePath.of(dir);
        return change(ref, "extract", p, f -> {
            int n = f.extract(p, tarGz);
            return new Done<>(n, Json.object().put("entries", n));
        });
    }

    /** Deletes a file, link, or (recursive) folder; returns the entries removed. */
    @Override
    public int delete(String ref, String path, boolean recursive) {
        WorkspacePath p = WorkspacePath.of(path);
        return change(ref, "delete", p, f -> {
            int n = f.delete(p, recursive);
            return new Done<>(n, Json.object().put("entries", n));
        });
    }

    private record Done<T>(T result, ObjectNode detail) {
    }

    private <T> T read(String ref, Function<WorkspaceFiles, T> work) {
        Session s = usable(engine.session(ref));
        try (WorkspaceFiles f = engine.runtime(s).files(s)) {
            return work.apply(f);
        }
    }

    private <T> T change(String ref, String op, WorkspacePath p, Function<WorkspaceFiles, Done<T>> work) {
        Session s = usable(engine.session(ref));
        if (s.deleted()) {
            throw new WrongStateException("session '" + s.name() + "' is deleted; its workspace can be read until "
                    + "it is purged, not changed");
        }
        Done<T> done;
        try (WorkspaceFiles f = engine.runtime(s).files(s)) {
            done = work.apply(f);
        }
        ObjectNode detail = done.detail().put("op", op).put("path", p.toString());
        String actor = engine.actor();
        engine.store().write(tx -> {
            tx.audit(s.id(), engine.now(), actor, AuditEvent.WORKSPACE, null, null, op + " " + p + " by " + actor, detail);
            return null;
        });
        log.info("session {}: workspace {} {} by {}", s.id(), op, p, actor);
        return done.result();
    }

    private static Session usable(Session s) {
        if (s.purged()) {
            throw new NotFoundException("session '" + s.name() + "' was purged at " + s.purgedAt() + "; its workspace is gone");
        }
        return s;
    }
}
