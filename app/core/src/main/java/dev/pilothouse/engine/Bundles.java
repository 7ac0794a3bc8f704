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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A session as one file and back: the seed's "share session states" (issue 15, item 3). A bundle
 * is a gzip'd tar of {@code bundle/}: {@code bundle.json} (its format version and the session's
 * spec), {@code conversation.json}, {@code traces.json}, {@code timeline.json} and, when asked,
 * {@code workspace.tar.gz}. Importing makes a new session from it; the whole bundle is read and
 * checked first, and a failure after the session was made removes it again: nothing half-imported.
 */
public final class Bundles {
    public static final String FORMAT = "pilothouse-session-bundle";
    /** The bundle version this build writes and the newest it reads. */
    public static final int VERSION = 1;
    private static final Logger log = LoggerFactory.getLogger(Bundles.class);

    private final Engine engine;

    Bundles(Engine engine) {
        this.engine = engine;
    }

    /** Writes the session's bundle to {@code out}; with {@code withWorkspace} its workspace too. */
    public void export(String ref, boolean withWorkspace, OutputStream out) {
        Session s = engine.session(ref);
        Path dir = tempDir("pilothouse-export");
        try {
            Path b = Files.createDirectories(dir.resolve("bundle"));
            ObjectNode head = Json.object().put("format", FORMAT).put("version", VERSION)
                    .put("exported_at", Json.time(engine.now())).put("exported_by", engine.actor())
                    .put("pilothouse", BuildInfo.version()).put("workspace", withWorkspace);
            head.set("session", SessionJson.toJson(s));
            write(b.resolve("bundle.json"), head);
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
            write(b.resolve("conversation.json"), messages);
            write(b.resolve("traces.json"), traces);
            ArrayNode timeline = Json.MAPPER.createArrayNode();
            engine.timeline(s.id()).forEach(e -> timeline.add(TraceJson.entry(e)));
            write(b.resolve("timeline.json"), timeline);
            if (withWorkspace) {
                try (OutputStream w = Files.newOutputStream(b.resolve("workspace.tar.gz"))) {
                    engine.workspaces().archive(s.id(), ".", w);
                }
            }
            Tarballs.pack(b, "bundle", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Makes a new session from a bundle (named {@code name}, or as the bundle's session was). */
    public Session importBundle(InputStream bundle, String name) {
        Path dir = tempDir("pilothouse-import");
        try {
            Tarballs.unpack(bundle, dir);
            Path b = dir.resolve("bundle");
            JsonNode head = read(b, "bundle.json");
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
            Session original = SessionJson.session(head.path("session"));
            JsonNode conversation = read(b, "conversation.json");
            List<Message> messages = new ArrayList<>();
            conversation.forEach(m -> messages.add(SessionJson.message(m)));
            Path workspace = b.resolve("workspace.tar.gz");
            if (head.path("workspace").asBoolean() && !Files.isRegularFile(workspace)) {
                throw refused("it says it holds the workspace, but workspace.tar.gz is missing");
            }
            return make(original, messages, Files.isRegularFile(workspace) ? workspace : null, name, head);
        } catch (InvalidInputException e) {
            if (e.getMessage().contains("archive")) {
                throw refused(e.getMessage().replace("the archive", "the file").replace("; nothing was unpacked", ""));
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private Session make(Session original, List<Message> messages, Path workspace, String name, JsonNode head)
            throws IOException {
        CreateRequest r = new CreateRequest(name != null ? name : original.name(), null, null,
                original.agents().stream().map(SessionAgent::name).toList(), null, (long) original.waitingTimeoutSeconds(),
                original.ttlSeconds(), original.metadata(), original.resources(), original.guardrails(), null);
        Session made = engine.create(r, null).session();
        try {
            if (workspace != null) {
                restore(made, workspace);
            }
            String actor = engine.actor();
            engine.store().write(tx -> {
                for (Message m : messages) {
                    tx.importMessage(made.id(), m, original.id());
                }
                tx.audit(made.id(), engine.now(), actor, AuditEvent.IMPORTED, null, null, "imported from a bundle of session '"
                        + original.name() + "' (" + original.id() + ") exported " + head.path("exported_at").asText()
                        + " by " + head.path("exported_by").asText(), Json.object().put("original_id", original.id())
                        .put("original_name", original.name()).put("exported_at", head.path("exported_at").asText())
                        .put("messages", messages.size()).put("workspace", workspace != null));
                return null;
            });
            log.info("session {} imported from a bundle of {} ({} messages, workspace {})", made.name(), original.id(),
                    messages.size(), workspace != null);
            return engine.session(made.id());
        } catch (RuntimeException e) {
            // nothing half-imported: the session made for the bundle goes again
            try {
                engine.delete(made.id());
                engine.purge(made.id());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The exported workspace (entries under {@code workspace/}) unpacked into the new session's own. */
    private void restore(Session made, Path workspaceTarGz) throws IOException {
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

    private static JsonNode read(Path b, String file) {
        Path p = b.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw refused("it has no bundle/" + file);
        }
        try {
            return Json.parse(Files.readString(p));
        } catch (IOException | RuntimeException e) {
            throw refused("its bundle/" + file + " cannot be read: " + e.getMessage());
        }
    }

    private static void write(Path p, JsonNode n) throws IOException {
        Files.writeString(p, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
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
