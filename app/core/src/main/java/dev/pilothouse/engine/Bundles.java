package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.TraceJson;
import dev.pilothouse.workspace.Tarballs;
import dev.pilothouse.workspace.Trees;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A session as one file and back: the seed's "share session states" (issue 15, item 3). A bundle
 * is a gzip'd tar of {@code bundle/}: {@code bundle.json} (its format version and the session's
 * spec), {@code conversation.json}, {@code traces.json}, {@code timeline.json} and, when asked,
 * {@code workspace.tar.gz}. Importing makes a new session from it; a failure after the session was
 * made (a whole file whose workspace archive is broken) removes it again: nothing half-imported.
 *
 * <p>Version 2 (this build's) is made to take one compression pass each way (issue 15, item 7). Its
 * entries come in that order, the JSON first and the workspace last, and the outer gzip compresses
 * the JSON but only stores the workspace archive, which is already compressed: version 1 deflated
 * it twice. So the file stays an ordinary {@code .tar.gz} while export deflates the workspace once
 * (on all cores, {@link dev.pilothouse.workspace.ParallelGzipOutputStream}), and import reads the
 * JSON, checks it, copies the workspace archive aside as it is (into the data dir, no inflating),
 * reads the bundle to its gzip trailer, and only then makes the session and hands the archive to
 * the runtime's {@code extract}, which unpacks into a staging folder and moves it into place only
 * when the archive was whole. (Streaming the archive straight into {@code extract} saved that copy
 * but had to make the session first, so a file cut in its workspace left a deleted session behind.)
 * Its entries are named relative to the workspace ({@code
 * WorkspaceFiles.archiveContents}), as {@code extract} takes them; version 1's were under {@code
 * workspace/}, so a version-1 workspace is spooled and re-packed as before.
 */
public final class Bundles {
    public static final String FORMAT = "pilothouse-session-bundle";
    /** The bundle version this build writes and the newest it reads. */
    public static final int VERSION = 2;
    private static final String PREFIX = "bundle/";
    private static final String WORKSPACE = "workspace.tar.gz";
    private static final int BUFFER = 128 * 1024;
    private static final Logger log = LoggerFactory.getLogger(Bundles.class);

    private final Engine engine;

    Bundles(Engine engine) {
        this.engine = engine;
    }

    /** Where an import keeps a bundle's workspace archive until the session is made. */
    static Path imports(Path dataDir) {
        return dataDir.resolve("imports");
    }

    /**
     * Removes what imports of an earlier process left (one killed mid-import); called when an engine
     * opens the data dir, which it then holds alone, so no import of another is running.
     */
    static void removeLeftovers(Path dataDir) {
        Path dir = imports(dataDir);
        if (Files.isDirectory(dir)) {
            deleteQuietly(dir);
        }
    }

    /** Writes the session's bundle to {@code out}; with {@code withWorkspace} its workspace too. */
    public void export(String ref, boolean withWorkspace, OutputStream out) {
        Session s = engine.session(ref);
        Path workspace = null;
        try {
            ObjectNode head = Json.object().put("format", FORMAT).put("version", VERSION)
                    .put("exported_at", Json.time(engine.now())).put("exported_by", engine.actor())
                    .put("pilothouse", BuildInfo.version()).put("workspace", withWorkspace);
            head.set("session", SessionJson.toJson(s));
            List<Message> conversation = engine.messages(s.id(), 0, null, Engine.MAX_PAGE);
            ArrayNode messages = Json.MAPPER.createArrayNode();
            ObjectNode traces = Json.object();
            for (Message m : conversation) {
                messages.add(SessionJson.toJson(m));
                if (m.role() == Message.Role.AGENT) {
                    ArrayNode t = traces.putArray(Long.toString(m.id()));
                    engine.trace(s.id(), m.id()).forEach(e -> t.add(TraceJson.event(e)));
                }
            }
            ArrayNode timeline = Json.MAPPER.createArrayNode();
            engine.timeline(s.id()).forEach(e -> timeline.add(TraceJson.entry(e)));
            if (withWorkspace) {
                // spooled: a tar entry's size comes before its bytes
                workspace = Files.createTempFile("pilothouse-export-", ".tar.gz");
                try (OutputStream w = new BufferedOutputStream(Files.newOutputStream(workspace), BUFFER)) {
                    engine.workspaces().archiveContents(s.id(), ".", w);
                }
            }
            BundleGzip gz = new BundleGzip(Tarballs.nonClosing(out));
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                put(tar, "bundle.json", head);
                put(tar, "conversation.json", messages);
                put(tar, "traces.json", traces);
                put(tar, "timeline.json", timeline);
                if (workspace != null) {
                    gz.storeFromHere();
                    TarArchiveEntry e = new TarArchiveEntry(PREFIX + WORKSPACE);
                    e.setSize(Files.size(workspace));
                    tar.putArchiveEntry(e);
                    try (InputStream in = Files.newInputStream(workspace)) {
                        Tarballs.copy(in, tar);
                    }
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (workspace != null) {
                deleteQuietly(workspace);
            }
        }
    }

    /** Makes a new session from a bundle (named {@code name}, or as the bundle's session was). */
    public Session importBundle(InputStream bundle, String name) {
        Session made = null;
        Path spooled = null;
        try {
            GZIPInputStream gz = new GZIPInputStream(bundle, 64 * 1024);
            TarArchiveInputStream tar = new TarArchiveInputStream(gz);
            JsonNode head = null;
            List<Message> messages = null;
            boolean workspace = false;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String entry = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                if (!e.isFile() || !entry.startsWith(PREFIX)) {
                    continue;
                }
                String file = entry.substring(PREFIX.length());
                if (file.equals("bundle.json")) {
                    head = checked(json(tar, file)); // before anything else is read: a newer bundle is refused at once
                } else if (file.equals("conversation.json")) {
                    List<Message> m = new ArrayList<>();
                    json(tar, file).forEach(n -> m.add(SessionJson.message(n)));
                    messages = m;
                } else if (file.equals(WORKSPACE)) {
                    // kept aside, not unpacked yet: the session is made only once the whole bundle was
                    // read to its gzip trailer, so a cut file makes nothing at all
                    workspace = true;
                    spooled = Files.createTempFile(Files.createDirectories(imports(engine.store().dataDir())),
                            "workspace-", ".tar.gz");
                    try (OutputStream out = Files.newOutputStream(spooled)) {
                        Tarballs.copy(tar, out);
                    }
                }
                // traces.json and timeline.json are the record; the import replays the conversation
            }
            gz.transferTo(OutputStream.nullOutputStream()); // to the gzip trailer: a bundle cut anywhere is refused
            if (head == null) {
                throw refused("it has no bundle/bundle.json");
            }
            if (messages == null) {
                throw refused("it has no bundle/conversation.json");
            }
            if (head.path("workspace").asBoolean() && !workspace) {
                throw refused("it says it holds the workspace, but " + WORKSPACE + " is missing");
            }
            made = create(head, name);
            if (spooled != null) {
                restore(made, spooled, head.path("version").asInt());
            }
            record(made, SessionJson.session(head.path("session")), messages, workspace, head);
            return engine.session(made.id());
        } catch (RuntimeException | IOException e) {
            RuntimeException thrown = refusal(e);
            if (made != null) {
                // nothing half-imported: the session made for the bundle goes again, saying why
                try {
                    String id = made.id();
                    engine.store().write(tx -> {
                        tx.audit(id, engine.now(), engine.actor(), AuditEvent.IMPORT_REFUSED, null, null,
                                "import refused: " + thrown.getMessage(), Json.object().put("reason", thrown.getMessage()));
                        return null;
                    });
                    engine.delete(made.id());
                    engine.purge(made.id());
                } catch (RuntimeException cleanup) {
                    thrown.addSuppressed(cleanup);
                }
            }
            throw thrown;
        } finally {
            if (spooled != null) {
                deleteQuietly(spooled);
            }
        }
    }

    /** A cut or broken file, or a broken workspace archive in it, said as the bundle's refusal. */
    private static RuntimeException refusal(Exception e) {
        InvalidInputException invalid = e instanceof IOException io ? Tarballs.incomplete(io)
                : e instanceof InvalidInputException i ? i : null;
        if (invalid != null && invalid.getMessage().contains("archive") && !invalid.getMessage().startsWith("not imported")) {
            return refused(invalid.getMessage().replace("the archive", "the file").replace("; nothing was unpacked", ""));
        }
        if (invalid != null) {
            return invalid;
        }
        return e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }

    private static JsonNode checked(JsonNode head) {
        if (!FORMAT.equals(head.path("format").asText())) {
            throw refused("its bundle.json is not a Pilothouse session bundle's (format '" + head.path("format").asText()
                    + "'; expected '" + FORMAT + "')");
        }
        int version = head.path("version").asInt(-1);
        if (version > VERSION) {
            throw refused("it was made by a newer Pilothouse (bundle version " + version + ", written by "
                    + head.path("pilothouse").asText("?") + "); this one reads version " + VERSION
                    + " and older: upgrade to import it");
        }
        if (version < 1) {
            throw refused("its bundle.json has no valid version");
        }
        return head;
    }

    private Session create(JsonNode head, String name) {
        Session original = SessionJson.session(head.path("session"));
        CreateRequest r = new CreateRequest(name != null ? name : original.name(), null, null,
                original.agents().stream().map(SessionAgent::name).toList(), null, (long) original.waitingTimeoutSeconds(),
                original.ttlSeconds(), original.metadata(), original.resources(), original.guardrails(), null);
        return engine.create(r, null).session();
    }

    private void record(Session made, Session original, List<Message> messages, boolean workspace, JsonNode head) {
        String actor = engine.actor();
        engine.store().write(tx -> {
            for (Message m : messages) {
                tx.importMessage(made.id(), m, original.id());
            }
            tx.audit(made.id(), engine.now(), actor, AuditEvent.IMPORTED, null, null, "imported from a bundle of session '"
                    + original.name() + "' (" + original.id() + ") exported " + head.path("exported_at").asText()
                    + " by " + head.path("exported_by").asText(), Json.object().put("original_id", original.id())
                    .put("original_name", original.name()).put("exported_at", head.path("exported_at").asText())
                    .put("messages", messages.size()).put("workspace", workspace));
            return null;
        });
        log.info("session {} imported from a bundle of {} ({} messages, workspace {})", made.name(), original.id(),
                messages.size(), workspace);
    }

    /**
     * A workspace archive that came before the JSON: version 2's is extracted as it is; version 1's
     * (entries under {@code workspace/}) is unpacked and packed again relative to that folder.
     */
    private void restore(Session made, Path workspaceTarGz, int version) throws IOException {
        if (version >= 2) {
            try (InputStream in = Files.newInputStream(workspaceTarGz)) {
                engine.workspaces().extract(made.id(), ".", in);
            }
            return;
        }
        Path dir = tempDir("pilothouse-import-workspace");
        try {
            try (InputStream in = Files.newInputStream(workspaceTarGz)) {
                Tarballs.unpack(in, dir);
            }
            Path root = dir.resolve("workspace");
            if (!Files.isDirectory(root)) {
                return; // an empty workspace
            }
            Path contents = dir.resolve("contents.tar.gz");
            try (OutputStream out = Files.newOutputStream(contents)) {
                Tarballs.pack(root, null, out);
            }
            try (InputStream in = Files.newInputStream(contents)) {
                engine.workspaces().extract(made.id(), ".", in);
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private static JsonNode json(InputStream entry, String file) {
        try {
            return Json.parse(new String(entry.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            InvalidInputException cut = Tarballs.incomplete(e);
            if (cut != null) {
                throw cut;
            }
            throw refused("its bundle/" + file + " cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            throw refused("its bundle/" + file + " cannot be read: " + e.getMessage());
        }
    }

    private static void put(TarArchiveOutputStream tar, String file, JsonNode n) throws IOException {
        byte[] b = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
        TarArchiveEntry e = new TarArchiveEntry(PREFIX + file);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    /** The bundle's gzip: the JSON at gzip's default level, then the workspace archive, compressed already, stored. */
    private static final class BundleGzip extends GZIPOutputStream {
        BundleGzip(OutputStream out) throws IOException {
            super(out, 64 * 1024);
        }

        void storeFromHere() {
            def.setLevel(Deflater.NO_COMPRESSION);
        }
    }

    private static InvalidInputException refused(String why) {
        return new InvalidInputException("not imported: " + why + "; nothing was imported", "bundle");
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Trees.delete(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
