package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.FileJson;
import dev.pilothouse.workspace.TextPage;
import dev.pilothouse.workspace.WorkspacePath;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * {@code /api/v0/sessions/{id}/files}: the workspace browser (docs/workspace.md). The path is a
 * query parameter ({@code ?path=out/report.md}, relative to the workspace; none is the workspace
 * itself). Downloads stream. Uploads stream too: a file's bytes are the body as sent (any media
 * type) and are not bound by the JSON body limit, which is for requests, not for files.
 */
final class FilesApi {
    private static final String BASE = "/api/v0/sessions/{id}/files";

    private FilesApi() {
    }

    static void register(RoutesConfig r) {
        r.get(BASE, FilesApi::list);
        r.delete(BASE, FilesApi::delete);
        r.get(BASE + "/text", FilesApi::text);
        r.get(BASE + "/content", FilesApi::download);
        r.put(BASE + "/content", FilesApi::upload);
        r.get(BASE + "/archive", FilesApi::downloadArchive);
        r.post(BASE + "/archive", FilesApi::extract);
    }

    /** The session the request names (404 before anything else is looked at), with its engine. */
    private record Target(Engine engine, String ref) {
        static Target of(Context ctx) {
            Engine e = SessionsApi.scoped(ctx);
            Session s = e.session(ctx.pathParam("id"));
            return new Target(e, s.id());
        }
    }

    private static String path(Context ctx) {
        String p = ctx.queryParam("path");
        return p == null || p.isEmpty() ? "." : p;
    }

    private static void list(Context ctx) {
        Target t = Target.of(ctx);
        FileEntry top = t.engine().workspaces().stat(t.ref(), path(ctx));
        ObjectNode n = FileJson.entry(top);
        if (top.directory()) {
            ArrayNode entries = n.putArray("entries");
            t.engine().workspaces().list(t.ref(), path(ctx)).forEach(e -> entries.add(FileJson.entry(e)));
        }
        ctx.json(n);
    }

    private static void text(Context ctx) {
        Target t = Target.of(ctx);
        Long offset = Query.whole(ctx, "offset", 0, Long.MAX_VALUE);
        Long length = Query.whole(ctx, "length", 1, TextPage.MAX_BYTES);
        TextPage p = t.engine().workspaces().text(t.ref(), path(ctx), offset == null ? 0 : offset,
                length == null ? TextPage.DEFAULT_BYTES : Math.toIntExact(length));
        ctx.json(FileJson.page(p));
    }

    private static void download(Context ctx) throws IOException {
        Target t = Target.of(ctx);
        FileEntry e = t.engine().workspaces().stat(t.ref(), path(ctx)); // refused before anything is sent
        if (e.directory()) {
            throw new InvalidInputException("'" + e.path() + "' is a folder; download it as a gzip'd tar from "
                    + "GET /api/v0/sessions/{id}/files/archive?path=" + e.path(), "path");
        }
        ctx.contentType("application/octet-stream").header("Content-Disposition", attachment(e.name()));
        try (OutputStream out = ctx.outputStream()) {
            t.engine().workspaces().copyTo(t.ref(), path(ctx), out);
        }
    }

    private static void downloadArchive(Context ctx) throws IOException {
        Target t = Target.of(ctx);
        FileEntry e = t.engine().workspaces().stat(t.ref(), path(ctx));
        String name = (e.path().equals(".") ? "workspace" : e.name()) + ".tar.gz";
        ctx.contentType("application/gzip").header("Content-Disposition", attachment(name));
        try (OutputStream out = ctx.outputStream()) {
            t.engine().workspaces().archive(t.ref(), path(ctx), out);
        }
    }

    private static void upload(Context ctx) throws IOException {
        Target t = Target.of(ctx);
        WorkspacePath p = WorkspacePath.of(path(ctx)); // a bad path is refused before the body is read
        if (p.isRoot()) {
            throw new InvalidInputException("name the file to store with ?path= (relative to the workspace, "
                    + "e.g. ?path=data/input.csv)", "path");
        }
        try (InputStream body = ctx.req().getInputStream()) {
            ctx.json(FileJson.entry(t.engine().workspaces().upload(t.ref(), p.toString(), body)));
        }
    }

    private static void extract(Context ctx) throws IOException {
        Target t = Target.of(ctx);
        WorkspacePath p = WorkspacePath.of(path(ctx));
        try (InputStream body = ctx.req().getInputStream()) {
            int n = t.engine().workspaces().extract(t.ref(), p.toString(), body);
            ctx.json(Json.object().put("path", p.toString()).put("entries", n));
        }
    }

    private static void delete(Context ctx) {
        Target t = Target.of(ctx);
        WorkspacePath p = WorkspacePath.of(path(ctx));
        if (p.isRoot()) {
            throw new InvalidInputException("name what to delete with ?path= (the workspace itself cannot be deleted; "
                    + "delete the session for that)", "path");
        }
        int n = t.engine().workspaces().delete(t.ref(), p.toString(), Query.bool(ctx, "recursive", false));
        ctx.json(Json.object().put("path", p.toString()).put("deleted", n));
    }

    private static String attachment(String name) {
        return "attachment; filename=\"" + name.replaceAll("[\"\\\\\\r\\n]", "_") + "\"";
    }
}
