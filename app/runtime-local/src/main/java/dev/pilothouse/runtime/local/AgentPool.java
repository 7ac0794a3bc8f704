package dev.pilothouse.runtime.local;

import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.Processes;
import dev.pilothouse.workspace.Trees;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reference agents started before any session asks for one: a JVM takes ~0.3 s to start, a claim a
 * few milliseconds (docs/agent-contract.md, "Pooled agents"). Only agents whose definition runs the
 * plain {@code pilothouse reference-agent} are served from the pool; any other starts as before.
 *
 * <p>The pool is bounded ({@link #size}, 0 turns it off), filled a moment after the runtime first
 * starts a session, after each claim and when an idle agent exits, visible ({@link #describe}), and
 * emptied when the runtime closes. A start that fails (an agent that dies within 10 s of being ready
 * included) is tried again after 1, 2, 4, 8 and 16 s, then only at the next claim. Idle agents left
 * by an engine that died exit by themselves: they watch the pid that pooled them.
 *
 * <pre>
 * agent-pool/&lt;id&gt;/work       the agent's current directory (empty); renamed to the session's workspace at the claim
 * agent-pool/&lt;id&gt;/agent.log  its output; becomes the session's agent log at the claim
 * agent-pool/&lt;id&gt;/exit       where its wrapper records its status; exit.to names the session's file once claimed
 * agent-pool/&lt;id&gt;/pid        the wrapper's pid: each fill removes the entries whose agent has ended
 * </pre>
 */
final class AgentPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);
    static final List<String> COMMAND = List.of(AgentLauncher.SELF, AgentLauncher.REFERENCE_AGENT);
    static final int DEFAULT_SIZE = 2;
    static final int MAX_SIZE = 8;
    /**
     * How long after a start or a claim the pool starts refilling: the session's own start goes first
     * (a claimed agent is healthy ~40 ms after the claim). Not longer: a script that creates sessions
     * as fast as the CLI answers (~0.3 s a round) would otherwise empty the pool.
     */
    static final long FILL_DELAY_MILLIS = 100;
    /** Variables that change how the JVM starts: an agent defined with them is not served from the pool. */
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS",
            "PILOTHOUSE_JAVA_OPTS", "JAVA_HOME");
    private static final Duration START_LIMIT = Duration.ofSeconds(30);
    /** Starts that may fail in a row before the pool waits for the next claim: a broken agent is not started forever. */
    static final int MAX_FAILED_STARTS = 5;
    static final long RETRY_MILLIS = 1_000;
    /** An idle agent that exits sooner than this after it was ready counts as a failed start. */
    private static final Duration SHORT_LIVED = Duration.ofSeconds(10);
    private static final String KEY_ENV = "PILOTHOUSE_POOL_KEY";

    /** A pooled agent: its wrapper process (the group leader), its port, the key that claims it. */
    record Idle(Process process, Instant started, int port, String key, Path dir) {
        long pid() {
            return process.pid();
        }

        Path log() {
            return dir.resolve("agent.log");
        }

        Path exitRedirect() {
            return dir.resolve("exit.to");
        }
    }

    private final Path root;
    private final int size;
    private final long stopGraceMillis;
    private final long retryMillis;
    /** The runtime's own stop of a process and its group (LocalRuntime#terminate). */
    private final java.util.function.Consumer<List<ProcessHandle>> terminate;
    private final Deque<Idle> idle = new ArrayDeque<>();
    /** Every pooled process not claimed yet, starting or idle: what {@link #close} stops. */
    private final Set<Idle> unclaimed = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService filler;
    private final OkHttpClient http = AgentClient.loopbackHttp()
            .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(5)).build();
    private final SecureRandom random = new SecureRandom();
    private boolean fillScheduled;
    /** Failed starts in a row, and why the last one failed: for the retry's delay and for {@link #describe}. */
    private int failedStarts;
    private String lastFailure;
    private volatile boolean closed;

    AgentPool(Path root, int size, long stopGraceMillis, java.util.function.Consumer<List<ProcessHandle>> terminate) {
        this(root, size, stopGraceMillis, terminate, RETRY_MILLIS);
    }

    /** {@code retryMillis}: the delay after the first failed start (tests shorten it). */
    AgentPool(Path root, int size, long stopGraceMillis, java.util.function.Consumer<List<ProcessHandle>> terminate,
              long retryMillis) {
        if (size < 0 || size > MAX_SIZE) {
            throw new InvalidInputException("agent pool size " + size + " is out of range; accepted: 0 (no pool) to " + MAX_SIZE
                    + " (pilothouse.agent-pool.size / PILOTHOUSE_AGENT_POOL_SIZE)");
        }
        this.root = root;
        this.size = size;
        this.stopGraceMillis = stopGraceMillis;
        this.terminate = terminate;
        this.retryMillis = retryMillis;
        this.filler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-pool");
            t.setDaemon(true);
            return t;
        });
    }

    /** From {@code pilothouse.agent-pool.size}, else {@code PILOTHOUSE_AGENT_POOL_SIZE}, else {@value #DEFAULT_SIZE}. */
    static int configuredSize() {
        String v = System.getProperty("pilothouse.agent-pool.size");
        if (v == null) {
            v = System.getenv("PILOTHOUSE_AGENT_POOL_SIZE");
        }
        if (v == null || v.isBlank()) {
            return DEFAULT_SIZE;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("agent pool size '" + v + "' is not a number; accepted: 0 (no pool) to "
                    + MAX_SIZE + " (pilothouse.agent-pool.size / PILOTHOUSE_AGENT_POOL_SIZE)");
        }
    }

    /** Whether an agent of this definition can come from the pool: it would start exactly as a pooled one did. */
    boolean serves(AgentDefinition agent) {
        return size > 0 && agent.command().equals(COMMAND)
                && agent.env().keySet().stream().noneMatch(k -> JVM_VARIABLES.contains(k.toUpperCase(Locale.ROOT)));
    }

    /** An idle agent, alive, now out of the pool; empty when none is idle. The pool refills a moment later. */
    synchronized Optional<Idle> take() {
        scheduleFill();
        Idle a;
        while ((a = idle.poll()) != null) {
            if (a.process().isAlive()) {
                unclaimed.remove(a);
                return Optional.of(a);
            }
            unclaimed.remove(a);
            forget(a);
        }
        return Optional.empty();
    }

    /**
     * Hands {@code agent} its session's environment; it answers once it serves the session, its ready
     * line in its log. Throws with the reason when it cannot be claimed; the caller then stops it.
     */
    void claim(Idle agent, Map<String, String> env) throws IOException {
        StringBuilder body = new StringBuilder();
        env.forEach((k, v) -> {
            if (k.indexOf('\0') < 0 && v.indexOf('\0') < 0) {
                body.append(k).append('=').append(v).append('\0');
            }
        });
        Request request = new Request.Builder().url("http://127.0.0.1:" + agent.port() + "/v0/claim")
                .header("Authorization", "Bearer " + agent.key())
                .post(RequestBody.create(body.toString().getBytes(StandardCharsets.UTF_8), MediaType.get("application/octet-stream")))
                .build();
        try (Response r = http.newCall(request).execute()) {
            if (r.code() != 200) {
                String why = r.body() == null ? "" : r.body().string();
                throw new IOException("the pooled agent refused its claim (HTTP " + r.code() + "): " + why);
            }
        }
    }

    /** Moves a claimed agent's output to {@code target}: the file it writes stays open, now under its session. */
    void takeLog(Idle agent, Path target, String firstLines) throws IOException {
        Path out = agent.log();
        // its own line about waiting in the pool is not part of the session's run
        Files.write(out, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(out, firstLines, StandardOpenOption.APPEND);
        Files.createDirectories(target.getParent());
        Files.move(out, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Makes the agent's working directory the session's (empty) workspace: the directory is renamed,
     * so the agent and its wrapper run in the workspace as a freshly started agent would.
     */
    void giveWorkspace(Idle agent, Path workspace) throws IOException {
        // one rename over the session's empty workspace (the caller checked; a rename fails on one that
        // is not): removing it first left a session without any workspace when the engine died between
        Files.move(agent.dir().resolve("work"), workspace, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Where the agent's wrapper records its exit status from now on. */
    void redirectExit(Idle agent, Path exitFile) throws IOException {
        Path tmp = agent.dir().resolve("exit.to.tmp");
        Files.writeString(tmp, exitFile.toAbsolutePath().toString());
        Files.move(tmp, agent.exitRedirect(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Stops an agent that could not be claimed; its status goes to the pool's file, not to a session. */
    void discard(Idle agent) {
        try {
            Files.deleteIfExists(agent.exitRedirect());
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", agent.exitRedirect(), e.toString());
        }
        stop(agent);
    }

    /** For people: how many agents wait and which processes they are. */
    synchronized String describe() {
        if (size == 0) {
            return "agent pool: off (pilothouse.agent-pool.size / PILOTHOUSE_AGENT_POOL_SIZE = 0)";
        }
        List<String> pids = idle.stream().map(a -> Long.toString(a.pid())).toList();
        long starting = unclaimed.size() - idle.size();
        return "agent pool: " + idle.size() + " of " + size + " reference agents idle"
                + (pids.isEmpty() ? "" : " (pids " + String.join(", ", pids) + ")")
                + (starting > 0 ? ", " + starting + " starting" : "")
                + (failedStarts == 0 || idle.size() >= size ? "" : "; the last " + (failedStarts == 1 ? "start" : failedStarts + " starts")
                        + " failed (" + lastFailure + "), " + (failedStarts < MAX_FAILED_STARTS
                        ? "trying again in " + Duration.ofMillis(retryDelayMillis(failedStarts)).toSeconds() + " s"
                        : "trying again at the next claim"));
    }

    /** Pids of the idle agents (for tests and diagnostics). */
    synchronized List<Long> idlePids() {
        return idle.stream().map(Idle::pid).toList();
    }

    /** Fills the pool after {@link #FILL_DELAY_MILLIS}; one fill at a time. */
    synchronized void scheduleFill() {
        scheduleFill(FILL_DELAY_MILLIS);
    }

    private synchronized void scheduleFill(long delayMillis) {
        if (size == 0 || closed || fillScheduled) {
            return;
        }
        fillScheduled = true;
        try {
            filler.schedule(this::fill, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            fillScheduled = false; // closing
        }
    }

    /** 1 s after the first failed start, doubling with each failure in a row. */
    private long retryDelayMillis(int failures) {
        return retryMillis << Math.min(failures - 1, MAX_FAILED_STARTS);
    }

    private void fill() {
        synchronized (this) {
            fillScheduled = false;
        }
        sweep();
        while (!closed) {
            synchronized (this) {
                if (idle.size() >= size) {
                    return;
                }
            }
            Idle a;
            try {
                a = spawn();
            } catch (IOException | RuntimeException e) {
                log.warn("agent pool: cannot start a reference agent: {}", e.toString());
                failed("cannot start: " + e);
                return;
            }
            String failure = awaitPooled(a);
            if (failure != null) {
                stop(a);
                failed(failure);
                return;
            }
            synchronized (this) {
                if (closed) {
                    break;
                }
                idle.add(a);
            }
            watch(a);
            log.info("agent pool: reference agent pid {} idle on port {}", a.pid(), a.port());
        }
        // closed while an agent was starting: it is stopped here, not left to its owner's exit
        unclaimed.forEach(this::stop);
    }

    /** Counts a failed start and tries again later, a bounded number of times in a row (the reason is logged). */
    private synchronized void failed(String why) {
        if (closed) {
            return;
        }
        failedStarts++;
        lastFailure = why;
        if (failedStarts < MAX_FAILED_STARTS) {
            scheduleFill(retryDelayMillis(failedStarts));
        } else {
            log.warn("agent pool: {} starts in a row failed; the next claim tries again", failedStarts);
        }
    }

    /**
     * An idle agent that exits (killed, out of memory) leaves the pool at once and is replaced; one
     * that exits within {@link #SHORT_LIVED} of joining counts as a failed start, so agents that keep
     * dying are not started again and again.
     */
    private void watch(Idle a) {
        long joined = System.nanoTime();
        try {
            filler.schedule(() -> {
                synchronized (this) {
                    if (a.process().isAlive() && failedStarts > 0) {
                        failedStarts = 0; // it stayed up: the starts that failed before it are behind us
                        lastFailure = null;
                    }
                }
            }, SHORT_LIVED.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return; // closing
        }
        a.process().onExit().thenRun(() -> {
            synchronized (this) {
                if (!idle.remove(a)) {
                    return; // claimed, or the pool is closing
                }
            }
            unclaimed.remove(a);
            List<String> last = LogFiles.lastLines(a.log(), 5);
            log.warn("agent pool: idle reference agent pid {} exited; last lines: {}", a.pid(), last);
            forget(a);
            long idleMillis = (System.nanoTime() - joined) / 1_000_000;
            if (idleMillis < SHORT_LIVED.toMillis()) {
                failed("pid " + a.pid() + " exited " + idleMillis + " ms after it was ready"
                        + (last.isEmpty() ? "" : ": " + last.get(last.size() - 1)));
            } else {
                scheduleFill();
            }
        });
    }

    /** Starts a reference agent in a directory of its own; on failure the directory is removed. */
    private Idle spawn() throws IOException {
        Path dir = root.resolve(HexFormat.of().formatHex(bytes(8)));
        try {
            Files.createDirectories(dir.resolve("work"));
            int port = LocalRuntime.freePort();
            String key = HexFormat.of().formatHex(bytes(24));
            ProcessBuilder pb = new ProcessBuilder(AgentLauncher.commandLine(COMMAND))
                    .directory(dir.resolve("work").toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
            // stdin stays a pipe from this process: when it ends, however it ends, the agent reads end of file
            Map<String, String> env = pb.environment();
            env.put(KEY_ENV, key);
            env.put("PILOTHOUSE_POOL_OWNER", Long.toString(ProcessHandle.current().pid()));
            env.put("PILOTHOUSE_AGENT_PORT", Integer.toString(port));
            env.put("PILOTHOUSE_EXIT_FILE", dir.resolve("exit").toAbsolutePath().toString());
            env.put("PILOTHOUSE_JAVA_OPTS", AgentLauncher.AGENT_JVM_OPTS);
            Process p = pb.start();
            Files.writeString(dir.resolve("pid"), Long.toString(p.pid()));
            if (AgentLauncher.leadsItsGroup()) {
                ProcessGroups.awaitLeader(p.toHandle(), 5_000);
            }
            Idle a = new Idle(p, p.info().startInstant().orElse(null), port, key, dir);
            unclaimed.add(a);
            return a;
        } catch (IOException | RuntimeException e) {
            try {
                Trees.delete(dir);
            } catch (IOException ignored) {
                // left for the next sweep
            }
            throw e;
        }
    }

    /** Waits until the agent answers that it is pooled; else why not (it exited, it took too long, the pool closed). */
    private String awaitPooled(Idle a) {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        Request health = new Request.Builder().url("http://127.0.0.1:" + a.port() + "/healthz").build();
        while (!closed && a.process().isAlive() && System.nanoTime() < deadline) {
            try (Response r = http.newCall(health).execute()) {
                if (r.code() == 200) {
                    return null;
                }
            } catch (IOException e) {
                // not listening yet
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (closed) {
            return "the pool closed";
        }
        String why = a.process().isAlive() ? "did not answer within " + START_LIMIT.toSeconds() + " s" : "exited";
        List<String> last = LogFiles.lastLines(a.log(), 5);
        log.warn("agent pool: reference agent pid {} {}; last lines: {}", a.pid(), why, last);
        return "pid " + a.pid() + " " + why + (last.isEmpty() ? "" : ": " + last.get(last.size() - 1));
    }

    /** Stops the agent as the runtime stops a session's (its group, TERM then KILL) and removes its directory. */
    private void stop(Idle a) {
        unclaimed.remove(a);
        terminate.accept(List.of(a.process().toHandle()));
        forget(a);
    }

    private void forget(Idle a) {
        try {
            Trees.delete(a.dir());
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", a.dir(), e.toString());
        }
    }

    /**
     * Removes what agents that have ended left here: a claimed agent's entry holds where its status
     * goes until it exits, and an engine that died leaves its idle agents' entries.
     */
    private void sweep() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : entries) {
                if (!running(dir)) {
                    Trees.delete(dir);
                }
            }
        } catch (IOException e) {
            log.debug("agent pool: cannot sweep {}: {}", root, e.toString());
        }
    }

    /** Whether the entry's agent may still run: its pid is alive, or it is too new to have recorded one. */
    private static boolean running(Path dir) throws IOException {
        Path pid = dir.resolve("pid");
        if (!Files.exists(pid)) {
            return Files.getLastModifiedTime(dir).toInstant().isAfter(Instant.now().minus(Duration.ofMinutes(1)));
        }
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).filter(Processes::running).isPresent();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Stops every agent not claimed yet, idle or starting. Claimed agents belong to their sessions. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            idle.clear();
        }
        filler.shutdownNow();
        try {
            // a fill under way stops what it started itself; then nothing can add to the pool
            filler.awaitTermination(stopGraceMillis + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List.copyOf(unclaimed).forEach(this::stop);
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
