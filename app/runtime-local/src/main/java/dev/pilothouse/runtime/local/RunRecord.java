package dev.pilothouse.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.Processes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the local runtime knows of one running agent process, kept in a file beside the volume so
 * any engine process on the data dir (a later CLI command, the console) can find, adopt or stop
 * it. The process start time guards against a recycled pid.
 */
record RunRecord(String agent, long pid, Instant processStart, int port, String token) {

    /** The pid of a record written before its process was started. */
    static final long LAUNCHING = 0;

    /** The record of an agent about to be started: an engine that dies before the pid is known leaves it. */
    static RunRecord launching(String agent, int port, String token) {
        return new RunRecord(agent, LAUNCHING, null, port, token);
    }

    Optional<ProcessHandle> liveProcess() {
        if (pid == LAUNCHING) {
            return launchedProcess();
        }
        return ProcessHandle.of(pid).filter(Processes::running).filter(this::sameProcess);
    }

    /**
     * The process of a launch whose pid was never recorded (the engine died right after starting
     * it): the one whose environment holds this launch's token, which no other process has. Its
     * own children inherit the token too; the topmost is returned (a stop takes its descendants).
     */
    private Optional<ProcessHandle> launchedProcess() {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        String entry = "PILOTHOUSE_AGENT_TOKEN=" + token;
        List<ProcessHandle> holding = ProcessHandle.allProcesses()
                .filter(h -> ProcessEnvironment.holds(h.pid(), entry)).toList();
        java.util.Set<Long> pids = new java.util.HashSet<>();
        holding.forEach(h -> pids.add(h.pid()));
        return holding.stream().filter(h -> h.parent().map(p -> !pids.contains(p.pid())).orElse(true)).findFirst();
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
