package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The conversation memory: {@code history.jsonl} in the history directory, one
 * {@code {"role","content","at"}} object per line. Read once, on first use, so a restarted agent
 * continues the conversation; a line that is not an entry is skipped with a warning, never fatal.
 */
final class HistoryFile {
    static final String FILE_NAME = "history.jsonl";
    /** How many earlier entries are kept in memory and sent to the model. */
    static final int CONTEXT_ENTRIES = 50;

    record Entry(String role, String content, String at) {
    }

    private final Path file;
    private final ArrayDeque<Entry> recent = new ArrayDeque<>();
    private long size;
    private boolean loaded;
    /** The file ends in a partial line (a write cut short): start the next entry on a new line. */
    private boolean needsNewline;

    HistoryFile(Path dir) {
        this.file = dir.resolve(FILE_NAME);
    }

    Path path() {
        return file;
    }

    /** The last {@link #CONTEXT_ENTRIES} entries, oldest first. */
    synchronized List<Entry> recent() {
        load();
        return List.copyOf(recent);
    }

    /** How many entries the file holds. */
    synchronized long size() {
        load();
        return size;
    }

    /**
     * Appends an entry, clipped to {@link ClippedText#LIMIT} by the caller: the file is memory for
     * a model, not an archive. A failure to write is logged, not thrown: losing memory should not cost
     * the operator the reply.
     */
    synchronized void append(String role, String content) {
        load();
        Entry entry = new Entry(role, content, Json.time(Instant.now()));
        ObjectNode line = Json.object().put("role", entry.role()).put("content", entry.content()).put("at", entry.at());
        String text = (needsNewline ? "\n" : "") + Json.compact(line) + "\n";
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            needsNewline = false;
        } catch (IOException e) {
            AgentLog.warn("cannot write history " + file + ": " + e);
        }
        remember(entry);
    }

    private void remember(Entry entry) {
        recent.addLast(entry);
        if (recent.size() > CONTEXT_ENTRIES) {
            recent.removeFirst();
        }
        size++;
    }

    private void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        // A reader that replaces undecodable bytes: a damaged file must not stop the agent.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                Entry entry = parse(line);
                if (entry == null) {
                    AgentLog.warn(file + " line " + number + " is not a history entry; skipped it");
                } else {
                    remember(entry);
                }
            }
            needsNewline = endsWithoutNewline();
        } catch (NoSuchFileException e) {
            // a new conversation
        } catch (IOException e) {
            AgentLog.warn("cannot read history " + file + ", starting without it: " + e);
        }
    }

    private static Entry parse(String line) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        String role = node.path("role").asText("");
        JsonNode content = node.get("content");
        if (!(role.equals("user") || role.equals("assistant")) || content == null || !content.isTextual()) {
            return null;
        }
        return new Entry(role, content.asText(), node.path("at").asText(""));
    }

    private boolean endsWithoutNewline() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() == 0) {
                return false;
            }
            f.seek(f.length() - 1);
            return f.read() != '\n';
        }
    }
}
