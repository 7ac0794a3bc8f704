package dev.pilothouse.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.WorkspaceOperations;
import dev.pilothouse.json.Json;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.FileJson;
import dev.pilothouse.workspace.TextPage;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The workspace browser of an engine in {@code pilothouse serve}, over
 * {@code /api/v0/sessions/{id}/files}: what the console uses beside a server. Downloads and
 * uploads stream; errors are the server's own words as the engine's exceptions.
 */
final class ApiWorkspaces implements WorkspaceOperations {
    private static final MediaType BYTES = MediaType.get("application/octet-stream");
    private static final MediaType GZIP = MediaType.get("application/gzip");

    private final ApiEngine api;

    ApiWorkspaces(ApiEngine api) {
        this.api = api;
    }

    private HttpUrl.Builder files(String ref, String suffix, String path) {
        HttpUrl.Builder u = api.sessionUrl(ref).addPathSegment("files");
        if (suffix != null) {
            u.addPathSegment(suffix);
        }
        return u.addQueryParameter("path", path);
    }

    @Override
    public FileEntry stat(String ref, String path) {
        return FileJson.entryFrom(api.get(files(ref, null, path)));
    }

    @Override
    public List<FileEntry> list(String ref, String dir) {
        List<FileEntry> out = new ArrayList<>();
        api.get(files(ref, null, dir)).path("entries").forEach(e -> out.add(FileJson.entryFrom(e)));
        return out;
    }

    @Override
    public TextPage text(String ref, String path, long offset, int maxBytes) {
        return FileJson.pageFrom(api.get(files(ref, "text", path).addQueryParameter("offset", Long.toString(offset))
                .addQueryParameter("length", Integer.toString(maxBytes))));
    }

    @Override
    public void copyTo(String ref, String path, OutputStream out) {
        download(files(ref, "content", path).build(), out);
    }

    @Override
    public void archive(String ref, String path, OutputStream out) {
        download(files(ref, "archive", path).build(), out);
    }

    @Override
    public FileEntry upload(String ref, String path, InputStream content) {
        return FileJson.entryFrom(send("PUT", files(ref, "content", path).build(), content, BYTES));
    }

    @Override
    public int extract(String ref, String dir, InputStream tarGz) {
        return send("POST", files(ref, "archive", dir).build(), tarGz, GZIP).path("entries").asInt();
    }

    @Override
    public int delete(String ref, String path, boolean recursive) {
        return api.call("DELETE", files(ref, null, path).addQueryParameter("recursive", Boolean.toString(recursive)).build(),
                null, null).path("deleted").asInt();
    }

    private void download(HttpUrl u, OutputStream out) {
        try (Response r = api.http().newCall(api.request(u).build()).execute()) {
            api.check(r);
            r.body().byteStream().transferTo(out);
        } catch (IOException e) {
            throw api.unreachable(e);
        }
    }

    private JsonNode send(String method, HttpUrl u, InputStream content, MediaType type) {
        Request.Builder b = api.request(u).header("Accept", "application/json").method(method, streamed(content, type));
        try (Response r = api.http().newCall(b.build()).execute()) {
            api.check(r);
            return Json.parse(r.body().string());
        } catch (IOException e) {
            throw api.unreachable(e);
        } catch (UncheckedIOException e) {
            throw api.unreachable(e.getCause());
        }
    }

    /** A body read from {@code in} as it is sent, never held whole: an upload may be larger than memory. */
    static RequestBody streamed(InputStream in, MediaType type) {
        return new RequestBody() {
            @Override
            public boolean isOneShot() {
                return true; // the stream is read once: never sent again on a retry
            }

            @Override
            public MediaType contentType() {
                return type;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                in.transferTo(sink.outputStream());
            }
        };
    }
}
