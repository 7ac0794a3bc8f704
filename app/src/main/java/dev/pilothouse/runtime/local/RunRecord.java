package dev.pilothouse.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;

/**
 * What the local runtime knows of one running agent process, kept in a file beside the volume so
 * any engine process on the data dir (a later CLI command, the console) can find, adopt or stop
 * it. The process start time guards against a recycled pid.
 */
record RunRecord(String agent, long pid, Instant processStart, int port, String token) {

    Optional<ProcessHandle> liveProcess() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::sameProcess);
    }

    private boolean sameProcess(ProcessHandle h) {
        Optional<Instant> start = h.info().startInstant();
        return processStart == null || start.isEmpty() || start.get().equals(processStart);
    }

    void write(Path file) throws IOException {
        ObjectNode n = Json.object().put("agent", agent).put("pid", pid)
                .put("process_start", processStart == null ? null : processStart.toString())
                .put("port", port).put("token", token);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Json.compact(n));
        try {
            // the token guards the agent's port from other local users
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the data dir's own permissions apply
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Optional<RunRecord> read(Path file) {
        try {
            JsonNode n = Json.MAPPER.readTree(Files.readString(file));
            String start = n.path("process_start").asText(null);
            return Optional.of(new RunRecord(n.path("agent").asText(), n.path("pid").asLong(),
                    start == null ? null : Instant.parse(start), n.path("port").asInt(), n.path("token").asText(null)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // a torn or foreign file is treated as absent: nothing can be adopted from it
            return Optional.empty();
        }
    }
}
