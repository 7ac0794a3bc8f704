package dev.pilothouse.server;

import dev.pilothouse.engine.Engine;
import dev.pilothouse.session.Session;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A session as one bundle file over HTTP (docs/traces.md): {@code GET …/export} streams it,
 * {@code POST /api/v0/sessions/import} makes a new session from one. A bundle is a file, not a
 * request: its body streams and is not bound by the JSON body limit.
 */
final class BundlesApi {
    private BundlesApi() {
    }

    static void register(RoutesConfig r) {
        r.get("/api/v0/sessions/{id}/export", BundlesApi::export);
        r.post("/api/v0/sessions/import", BundlesApi::importBundle);
    }

    private static void export(Context ctx) throws IOException {
        Engine e = SessionsApi.scoped(ctx);
        Session s = e.session(ctx.pathParam("id")); // a missing session is a 404 before anything is sent
        boolean workspace = Query.bool(ctx, "workspace", false);
        ctx.contentType("application/gzip").header("Content-Disposition", "attachment; filename=\""
                + s.name() + ".bundle.tar.gz\"");
        try (OutputStream out = ctx.outputStream()) {
            e.bundles().export(s.id(), workspace, out);
        }
    }

    private static void importBundle(Context ctx) throws IOException {
        Engine e = SessionsApi.scoped(ctx);
        try (InputStream body = ctx.req().getInputStream()) {
            Session s = e.bundles().importBundle(body, ctx.queryParam("name"));
            ctx.header("Location", "/api/v0/sessions/" + s.id());
            SessionsApi.ok(ctx, s, 201);
        }
    }
}
