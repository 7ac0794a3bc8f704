package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.testing.EngineTestBase;
import dev.pilothouse.workspace.Tarballs;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 15 items 3 and 7: bundle version 2 round trips in one pass each way; version 1 still imports; a cut bundle makes nothing. */
class BundlesTest extends EngineTestBase {
    private Session origin;
    private Path ws;
    private byte[] noise;

    @BeforeEach
    void origin() throws IOException {
        origin = engine.create(CreateRequest.of("origin", "reference"), null).session();
        engine.send("origin", null, "$ mkdir -p out && echo result > out/r.txt && echo made", null);
        ws = workspace(origin);
        noise = new byte[3 << 20]; // three of the parallel gzip's blocks, incompressible
        new Random(11).nextBytes(noise);
        Files.write(ws.resolve("out/noise.bin"), noise);
        Files.createSymbolicLink(ws.resolve("result"), Path.of("out/r.txt"));
        Files.writeString(ws.resolve("out/run.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(ws.resolve("out/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setLastModifiedTime(ws.resolve("out/r.txt"), FileTime.from(Instant.parse("2025-06-01T12:00:00Z")));
    }

    private Path workspace(Session s) {
        return ((LocalRuntime) engine.runtime(s)).workspace(s.id());
    }

    private byte[] export(boolean withWorkspace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.bundles().export("origin", withWorkspace, out);
        return out.toByteArray();
    }

    private Session importBundle(byte[] bundle, String name) {
        return engine.bundles().importBundle(new ByteArrayInputStream(bundle), name);
    }

    @Test
    void version2HasTheJsonFirstAndTheWorkspaceLastNamedFromItsRootAndRoundTrips() throws IOException {
        byte[] bundle = export(true);

        List<String> entries = new ArrayList<>();
        JsonNode head = null;
        List<String> inner = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(bundle)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                entries.add(e.getName());
                if (e.getName().equals("bundle/bundle.json")) {
                    head = Json.parse(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                } else if (e.getName().equals("bundle/workspace.tar.gz")) {
                    TarArchiveInputStream w = new TarArchiveInputStream(new GZIPInputStream(tar));
                    for (TarArchiveEntry i; (i = w.getNextEntry()) != null; ) {
                        inner.add(i.getName());
                    }
                }
            }
        }
        assertThat(entries).containsExactly("bundle/bundle.json", "bundle/conversation.json", "bundle/traces.json",
                "bundle/timeline.json", "bundle/workspace.tar.gz");
        assertThat(head.get("version").asInt()).isEqualTo(2);
        assertThat(inner).contains("out/", "out/r.txt", "out/noise.bin", "result").noneMatch(n -> n.startsWith("workspace"));
        // the outer gzip only stores the workspace archive: the bundle is about as big as the noise, not deflated twice
        assertThat(bundle.length).isBetween(noise.length, noise.length + 64 * 1024);

        Session copy = importBundle(bundle, "copy");
        Path to = workspace(copy);
        assertThat(Files.readString(to.resolve("out/r.txt"))).isEqualTo("result\n");
        assertThat(Files.readAllBytes(to.resolve("out/noise.bin"))).isEqualTo(noise);
        assertThat(Files.readSymbolicLink(to.resolve("result"))).isEqualTo(Path.of("out/r.txt"));
        assertThat(Files.isExecutable(to.resolve("out/run.sh"))).as("a script stays executable").isTrue();
        assertThat(Files.getLastModifiedTime(to.resolve("out/r.txt"))).isEqualTo(FileTime.from(Instant.parse("2025-06-01T12:00:00Z")));
        assertThat(engine.messages(copy.id(), 0, null, Engine.MAX_PAGE)).extracting(Message::content)
                .first().asString().startsWith("$ mkdir -p out");
        assertThat(engine.messages(copy.id(), 0, null, Engine.MAX_PAGE)).hasSize(2);
        assertThat(engine.send("copy", null, "$ out/run.sh", null).reply().content()).contains("ran");
        try (var files = Files.list(to)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".pilothouse-upload-"));
        }
    }

    @Test
    void aBundleWithoutTheWorkspaceImportsTheConversationOnly() {
        Session copy = importBundle(export(false), "talk");
        assertThat(engine.messages(copy.id(), 0, null, Engine.MAX_PAGE)).hasSize(2);
        assertThat(Files.exists(workspace(copy).resolve("out"))).isFalse();
    }

    @Test
    void aVersion1BundleMadeAsBeforeStillImports(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        // version 1: Tarballs.pack of a folder bundle/, the workspace archive inside named workspace/...
        Path b = Files.createDirectories(tmp.resolve("bundle"));
        JsonNode head = Json.object().put("format", Bundles.FORMAT).put("version", 1).put("exported_at", "2026-11-01T10:00:00Z")
                .put("exported_by", "bob").put("pilothouse", "0.9.0").put("workspace", true)
                .set("session", SessionJson.toJson(engine.session("origin")));
        Files.writeString(b.resolve("bundle.json"), head.toString());
        var messages = Json.MAPPER.createArrayNode();
        engine.messages(origin.id(), 0, null, Engine.MAX_PAGE).forEach(m -> messages.add(SessionJson.toJson(m)));
        Files.writeString(b.resolve("conversation.json"), messages.toString());
        Files.writeString(b.resolve("traces.json"), "{}");
        Files.writeString(b.resolve("timeline.json"), "[]");
        try (OutputStream w = Files.newOutputStream(b.resolve("workspace.tar.gz"))) {
            engine.workspaces().archive(origin.id(), ".", w);
        }
        ByteArrayOutputStream bundle = new ByteArrayOutputStream();
        Tarballs.pack(b, "bundle", bundle);

        Session copy = importBundle(bundle.toByteArray(), "old");
        Path to = workspace(copy);
        assertThat(Files.readString(to.resolve("out/r.txt"))).isEqualTo("result\n");
        assertThat(Files.readAllBytes(to.resolve("out/noise.bin"))).isEqualTo(noise);
        assertThat(Files.exists(to.resolve("workspace"))).isFalse();
        assertThat(engine.messages(copy.id(), 0, null, Engine.MAX_PAGE)).hasSize(2);
    }

    @Test
    void aVersion2BundleCutAnywhereIsRefusedAndLeavesNoSession() throws IOException {
        byte[] bundle = export(true);
        int sessions = engine.sessions(true).size();
        // nothing at all, in the JSON, in the workspace archive, and in the last bytes (the gzip trailer)
        assertThatThrownBy(() -> importBundle(new byte[0], "empty")).hasMessageContaining("empty or cut at the start");
        for (int at : new int[] {0, 200, bundle.length / 2, bundle.length - 4}) {
            assertThatThrownBy(() -> importBundle(Arrays.copyOf(bundle, at), "half-" + at))
                    .as("cut at %d of %d", at, bundle.length).isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("not imported: the file is not a complete").hasMessageEndingWith("nothing was imported");
            assertThat(engine.sessions(true)).as("not even a deleted session").hasSize(sessions);
        }
        try (var kept = Files.list(Files.createDirectories(Bundles.imports(engine.store().dataDir())))) {
            assertThat(kept).as("the workspace archives kept aside are gone").isEmpty();
        }
        assertThat(importBundle(bundle, "whole").name()).isEqualTo("whole");
    }

    @Test
    void aBundleFromANewerVersionIsRefusedBeforeAnythingIsMade() {
        byte[] bundle = export(true);
        byte[] newer = withHead(bundle, h -> h.put("version", 3).put("pilothouse", "9.0.0"));
        assertThatThrownBy(() -> importBundle(newer, "future")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("made by a newer Pilothouse (bundle version 3, written by 9.0.0); this one reads "
                        + "version 2 and older");
        assertThat(engine.sessions(true)).extracting(Session::name).containsExactly("origin");
    }

    @Test
    void whatAnImportKilledHalfwayKeptAsideIsRemovedWhenTheDataDirIsOpenedAgain() throws IOException {
        Path kept = Files.createDirectories(Bundles.imports(dataDir)).resolve("workspace-123.tar.gz");
        Files.write(kept, new byte[4096]);
        engine.close();
        engine = openEngine("alice");
        assertThat(Bundles.imports(dataDir)).doesNotExist();
        assertThat(importBundle(export(true), "after").name()).isEqualTo("after");
    }

    @Test
    void aWholeFileWithABrokenWorkspaceArchiveLeavesADeletedSessionSayingWhy() {
        // the bundle itself is complete, the archive inside it is not: found only once the session is made
        byte[] bundle = withEntry(export(true), "bundle/workspace.tar.gz", b -> Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> importBundle(bundle, "broken")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nothing was imported");
        Session broken = engine.session("broken");
        assertThat(broken.deleted()).isTrue();
        assertThat(broken.purged()).isTrue();
        assertThat(engine.events(broken.id(), 0, 100)).filteredOn(e -> e.kind().equals(AuditEvent.IMPORT_REFUSED))
                .singleElement().satisfies(e -> assertThat(e.reason()).startsWith("import refused: ")
                        .contains("nothing was imported"));
        assertThat(engine.sessions(false)).extracting(Session::name).containsExactly("origin");
    }

    /** The bundle with its bundle.json changed (the rest copied as it is). */
    private static byte[] withHead(byte[] bundle, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> change) {
        return withEntry(bundle, "bundle/bundle.json", b -> {
            var h = (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(new String(b, StandardCharsets.UTF_8));
            change.accept(h);
            return h.toString().getBytes(StandardCharsets.UTF_8);
        });
    }

    /** The bundle with one entry's bytes changed (the rest copied as it is). */
    private static byte[] withEntry(byte[] bundle, String name, java.util.function.UnaryOperator<byte[]> change) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bundle));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var gz = new java.util.zip.GZIPOutputStream(out);
                 var w = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gz)) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    byte[] b = tar.readAllBytes();
                    if (e.getName().equals(name)) {
                        b = change.apply(b);
                    }
                    TarArchiveEntry c = new TarArchiveEntry(e.getName());
                    c.setSize(b.length);
                    w.putArchiveEntry(c);
                    w.write(b);
                    w.closeArchiveEntry();
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
