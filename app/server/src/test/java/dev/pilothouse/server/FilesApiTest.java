package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The workspace browser over HTTP, on a real session's workspace (docs/workspace.md). */
class FilesApiTest extends ApiTestBase {
    private static final long JSON_LIMIT = 64 * 1024;

    @Override
    ServerOptions options() {
        return super.options().withLimits(JSON_LIMIT, 100_000);
    }

    private Path workspace(String id) {
        return Path.of(engine.volumeLocation(engine.session(id)));
    }

    private Answer send(String method, String path, byte[] body, String type) {
        Request.Builder b = new Request.Builder().header("Authorization", "Bearer " + token).url(url(path))
                .method(method, body == null ? null : RequestBody.create(body, type == null ? null : MediaType.get(type)));
        try (Response r = http.newCall(b.build()).execute()) {
            return new Answer(r.code(), r.headers(), new String(r.body().bytes(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(Answer a) {
        return a.body().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aWorkspaceIsListedReadDownloadedUploadedAndDeletedOverHttp() throws IOException {
        String id = ready("browsed").get("id").asText();
        String files = "/api/v0/sessions/browsed/files";

        // a file larger than the JSON body limit is uploaded whole, in any media type
        byte[] data = new byte[3 * 1024 * 1024];
        new Random(7).nextBytes(data);
        Answer up = send("PUT", files + "/content?path=data/blob.bin", data, "image/png");
        assertThat(up.status()).as(up.body()).isEqualTo(200);
        assertThat(up.json().get("size").asLong()).isEqualTo(data.length);
        assertThat(up.json().get("type").asText()).isEqualTo("file");
        assertThat(Files.readAllBytes(workspace(id).resolve("data/blob.bin"))).isEqualTo(data);

        Files.writeString(workspace(id).resolve("data/notes.txt"), "é".repeat(300)); // 600 bytes
        Files.createSymbolicLink(workspace(id).resolve("latest"), Path.of("data/notes.txt"));

        JsonNode root = get(files).json();
        assertThat(root.get("type").asText()).isEqualTo("directory");
        List<String> names = new ArrayList<>();
        root.get("entries").forEach(e -> names.add(e.get("name").asText() + ":" + e.get("type").asText()));
        assertThat(names).contains("data:directory", "latest:link");
        JsonNode link = get(files + "?path=latest").json();
        assertThat(link.get("target").asText()).isEqualTo("data/notes.txt");
        JsonNode data1 = get(files + "?path=data").json();
        assertThat(data1.get("entries")).extracting(e -> e.get("path").asText())
                .containsExactly("data/blob.bin", "data/notes.txt");

        // text a page at a time, on character boundaries
        StringBuilder text = new StringBuilder();
        long offset = 0;
        int pages = 0;
        for (boolean last = false; !last; pages++) {
            JsonNode page = get(files + "/text?path=latest&length=101&offset=" + offset).json();
            assertThat(page.get("binary").asBoolean()).isFalse();
            text.append(page.get("text").asText());
            offset = page.get("next_offset").asLong();
            last = page.get("last").asBoolean();
        }
        assertThat(text.toString()).isEqualTo("é".repeat(300));
        assertThat(pages).isEqualTo(6);
        JsonNode binary = get(files + "/text?path=data/blob.bin").json();
        assertThat(binary.get("binary").asBoolean()).isTrue();
        assertThat(binary.get("text").isNull()).isTrue();

        // downloads: a file as it is, a folder as a tar.gz
        Answer file = send("GET", files + "/content?path=data/blob.bin", null, null);
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.header("Content-Disposition")).isEqualTo("attachment; filename=\"blob.bin\"");
        assertThat(bytes(file)).isEqualTo(data);
        Answer archive = send("GET", files + "/archive?path=data", null, null);
        assertThat(archive.status()).isEqualTo(200);
        assertThat(archive.header("Content-Type")).startsWith("application/gzip");
        assertThat(archive.header("Content-Disposition")).isEqualTo("attachment; filename=\"data.tar.gz\"");
        assertThat(entries(bytes(archive))).containsExactlyInAnyOrder("data/", "data/blob.bin", "data/notes.txt");

        // a tar.gz unpacked into a folder
        Answer extracted = send("POST", files + "/archive?path=in", tarGz("a.txt", "one", "sub/b.txt", "two"), "application/gzip");
        assertThat(extracted.status()).as(extracted.body()).isEqualTo(200);
        assertThat(extracted.json().get("entries").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(Files.readString(workspace(id).resolve("in/sub/b.txt"))).isEqualTo("two");

        // deletes: a folder only when recursive
        Answer notRecursive = delete(files + "?path=in");
        assertThat(notRecursive.status()).isEqualTo(400);
        assertThat(Files.exists(workspace(id).resolve("in/a.txt"))).isTrue();
        Answer deleted = delete(files + "?path=in&recursive=true");
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asInt()).isEqualTo(4); // in/, a.txt, sub/, b.txt
        assertThat(Files.exists(workspace(id).resolve("in"))).isFalse();

        // every change audited with what and where, never the content
        List<JsonNode> audit = new ArrayList<>();
        get("/api/v0/sessions/browsed/events?limit=500").json().get("items")
                .forEach(e -> {
                    if (e.get("kind").asText().equals(AuditEvent.WORKSPACE)) {
                        audit.add(e);
                    }
                });
        assertThat(audit).extracting(e -> e.get("detail").get("op").asText()).containsExactly("upload", "extract", "delete");
        assertThat(audit.get(0).get("detail").get("bytes").asLong()).isEqualTo(data.length);
        assertThat(audit.get(0).get("actor").asText()).isEqualTo("ci");
        assertThat(Json.compact(audit.get(1))).doesNotContain("two");
    }

    @Test
    void whatCannotBeDoneIsRefusedWithWhatIsAcceptedAndChangesNothing() throws IOException {
        String id = ready("guarded").get("id").asText();
        String files = "/api/v0/sessions/guarded/files";
        Files.createDirectories(workspace(id).resolve("src"));
        Files.createSymbolicLink(workspace(id).resolve("escape"), Path.of("/etc"));

        assertRefused(get(files + "?path=../x"), 400, "'..' is not accepted");
        assertRefused(get(files + "/text?path=/etc/passwd"), 400, "is absolute");
        assertRefused(get(files + "/content?path=escape/passwd"), 400, "leads out of the workspace through a symbolic link");
        assertRefused(get(files + "/content?path=src"), 400, "is a folder; download it as a gzip'd tar");
        assertRefused(get(files + "/text?path=src&length=0"), 400, "length");
        assertRefused(get(files + "?path=nothing-here"), 404, "nothing-here");
        assertRefused(send("PUT", files + "/content", "x".getBytes(StandardCharsets.UTF_8), null), 400, "name the file");
        assertRefused(delete(files), 400, "the workspace itself cannot be deleted");
        assertRefused(get("/api/v0/sessions/no-such/files"), 404, "no-such");

        // a truncated archive, or one that leads out, changes nothing
        byte[] good = tarGz("x/1.txt", "one", "x/2.txt", "two");
        assertRefused(send("POST", files + "/archive", Arrays.copyOf(good, good.length / 2), "application/gzip"), 400, "");
        assertRefused(send("POST", files + "/archive", tarGz("ok.txt", "fine", "../evil.txt", "bad"), "application/gzip"),
                400, "..");
        try (var listing = Files.list(workspace(id))) {
            assertThat(listing.map(p -> p.getFileName().toString())).doesNotContain("x", "ok.txt")
                    .noneMatch(n -> n.startsWith(".pilothouse-upload"));
        }

        // a deleted session's workspace is read, not changed
        assertThat(delete("/api/v0/sessions/guarded").status()).isEqualTo(200);
        assertThat(get(files + "?path=src").status()).isEqualTo(200);
        assertRefused(send("PUT", files + "/content?path=late.txt", "x".getBytes(StandardCharsets.UTF_8), null), 409,
                "is deleted");
    }

    private static void assertRefused(Answer a, int status, String says) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.error().get("message").asText()).contains(says);
    }

    private static byte[] tarGz(String... nameAndText) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            for (int i = 0; i < nameAndText.length; i += 2) {
                byte[] b = nameAndText[i + 1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(nameAndText[i]);
                e.setSize(b.length);
                tar.putArchiveEntry(e);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private static List<String> entries(byte[] tarGz) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(tarGz)))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
