package dev.pilothouse.runtime.local;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.AgentUsage;
import dev.pilothouse.runtime.SessionUsage;
import dev.pilothouse.runtime.Stop;
import dev.pilothouse.workspace.Trees;
import dev.pilothouse.runtime.CopyProgress;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.runtime.Processes;
import dev.pilothouse.runtime.RuntimeEvent;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.workspace.Trees;
import dev.pilothouse.workspace.WorkspaceFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The embedded runtime: a session is a directory under the data dir (its volume) and one child
 * process per agent started in it. Processes outlive the engine that started them; their run
 * records let any later engine adopt, watch or stop them.
 */
public final class LocalRuntime implements SessionRuntime {
    public static final String CONTEXT = dev.pilothouse.runtime.RuntimeProvider.LOCAL_CONTEXT;
    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);
    private static final int REASON_LINES = 10;

    private final Path sessionsDir;
    private final String context;
    private final long stopGraceMillis;
    private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Processes whose exit is being watched, by pid, so each is watched once. */
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService logPoller;
    private final SecureRandom random = new SecureRandom();
    private final LogLimits logLimits;
    /** Logs of the agents this runtime started or watches, checked against the size limit. */
    private final Set<Path> activeLogs = ConcurrentHashMap.newKeySet();
    /** How often active logs are checked against the size limit. */
    static final long ROTATE_CHECK_MILLIS = 2000;
    /** When active logs' lines were written; rotations hold it, so a checkpoint never lands in a file being moved. */
    private final LogClock clock = new LogClock();
    private final AgentPool pool;

    public LocalRuntime(Path dataDir) {
        this(dataDir, 5000);
    }

    public LocalRuntime(Path dataDir, long stopGraceMillis) {
        this(CONTEXT, dataDir.resolve("sessions"), stopGraceMillis);
    }

    /** A local runtime under another context name, keeping its sessions in {@code sessionsDir}. */
    public LocalRuntime(String context, Path sessionsDir, long stopGraceMillis) {
        this(context, sessionsDir, stopGraceMillis, LogLimits.configured());
    }

    /** With agent logs kept within {@code logLimits} (by default {@link LogLimits#configured()}). */
    public LocalRuntime(String context, Path sessionsDir, long stopGraceMillis, LogLimits logLimits) {
        this(context, sessionsDir, stopGraceMillis, logLimits, AgentPool.configuredSize());
    }

    /**
     * With up to {@code poolSize} reference agents started ahead of the sessions that claim them
     * (by default {@link AgentPool#configuredSize()}; 0: every agent starts with its session).
     */
    public LocalRuntime(String context, Path sessionsDir, long stopGraceMillis, LogLimits logLimits, int poolSize) {
        this.pool = new AgentPool(sessionsDir.resolveSibling("agent-pool"), poolSize, stopGraceMillis, this::terminate);
        this.context = context;
        this.sessionsDir = sessionsDir;
        this.stopGraceMillis = stopGraceMillis;
        this.logLimits = logLimits;
        this.logPoller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-log-follow");
            t.setDaemon(true);
            return t;
        });
        // log rotation and log following share the one thread: a follower never sees a rotation half done
        logPoller.scheduleWithFixedDelay(this::rotateActiveLogs, ROTATE_CHECK_MILLIS, ROTATE_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        logPoller.scheduleWithFixedDelay(() -> activeLogs.forEach(clock::check), LogClock.PERIOD_MILLIS,
                LogClock.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void rotateActiveLogs() {
        for (Path log : activeLogs) {
            rotateIfLarger(log);
        }
    }

    /**
     * A rotation of a stopped run's log may be under way on the poller: once stop returns, its logs
     * are at rest, their last lines' times taken.
     */
    private void awaitLogRotation(List<Path> stopped) {
        try {
            logPoller.submit(() -> stopped.forEach(l -> {
                clock.check(l);
                clock.forget(l);
            })).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException | ExecutionException
                | TimeoutException e) {
            log.debug("log rotation not awaited: {}", e.toString());
        }
    }

    private void rotateIfLarger(Path log) {
        try {
            boolean rotated;
            synchronized (clock) {
                rotated = LogFiles.rotateIfLarger(log, logLimits);
                if (rotated) {
                    clock.forget(log);
                }
            }
            if (rotated) {
                LocalRuntime.log.info("rotated {} at {} bytes", log, logLimits.maxBytes());
            }
        } catch (IOException | RuntimeException e) {
            LocalRuntime.log.warn("cannot rotate {}: {}", log, e.toString());
        }
    }

    @Override
    public String context() {
        return context;
    }

    SessionFiles files(String sessionId) {
        return new SessionFiles(sessionsDir.resolve(sessionId));
    }

    /** The session's volume on disk. */
    public Path workspace(String sessionId) {
        return files(sessionId).workspace();
    }

    /** The workspace directory itself, running or not. */
    @Override
    public WorkspaceFiles files(Session session) {
        return new LocalWorkspaceFiles(workspace(session.id()));
    }

    @Override
    public void start(Session session, List<AgentDefinition> agents) {
        stop(session.id());
        SessionFiles f = files(session.id());
        try {
            createVolume(f);
            boolean workspaceTaken = false;
            for (AgentDefinition agent : agents) {
                workspaceTaken |= launch(session, agent, f, !workspaceTaken);
            }
            pool.scheduleFill();
        } catch (IOException e) {
            stop(session.id());
            throw new OperationFailedException("cannot start the agents of session '" + session.name() + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void prepareVolume(Session session) {
        try {
            createVolume(files(session.id()));
        } catch (IOException e) {
            throw new OperationFailedException("cannot make the workspace of session '" + session.name() + "': "
                    + e.getMessage(), e);
        }
    }

    private static void createVolume(SessionFiles f) throws IOException {
        Files.createDirectories(f.workspace());
        Files.createDirectories(f.runDir());
        Files.createDirectories(f.log("x").getParent());
    }

    /**
     * Starts one agent: a pooled one when it can take the session's workspace as its working
     * directory (only an empty one, and only one agent's), else a new process. True when a pooled
     * agent took the workspace.
     */
    private boolean launch(Session session, AgentDefinition agent, SessionFiles f, boolean mayTakeWorkspace)
            throws IOException {
        String token = HexFormat.of().formatHex(bytes(24));
        Files.deleteIfExists(f.exit(agent.name()));
        boolean newRun = true;
        if (mayTakeWorkspace && pool.serves(agent) && Trees.isEmptyDirectory(f.workspace())) {
            Optional<AgentPool.Idle> pooled = pool.take();
            if (pooled.isPresent()) {
                if (claim(session, agent, f, pooled.get(), token)) {
                    return true;
                }
                newRun = false; // the failed claim's lines stay at the head of this run's log
            }
        }
        spawn(session, agent, f, token, newRun);
        return false;
    }

    /** The environment of the agent contract, and where the agent's wrapper records its exit status. */
    private static Map<String, String> environment(Session session, AgentDefinition agent, SessionFiles f, int port, String token) {
        Map<String, String> env = new java.util.LinkedHashMap<>(dev.pilothouse.runtime.AgentEnvironment.of(session, agent,
                port, token, "127.0.0.1", f.workspace().toAbsolutePath().toString()));
        env.put("PILOTHOUSE_EXIT_FILE", f.exit(agent.name()).toAbsolutePath().toString());
        env.put("PILOTHOUSE_JAVA_OPTS", AgentLauncher.AGENT_JVM_OPTS);
        return env;
    }

    private void spawn(Session session, AgentDefinition agent, SessionFiles f, String token, boolean newRun) throws IOException {
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(AgentLauncher.commandLine(agent.command()))
                .directory(f.workspace().toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(f.log(agent.name()).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        pb.environment().putAll(environment(session, agent, f, port, token));

        if (newRun) {
            // each run starts a fresh log; the one before becomes <agent>.log.1 (the previous run)
            synchronized (clock) {
                LogFiles.rotateForNewRun(f.log(agent.name()), logLimits);
                clock.forget(f.log(agent.name()));
            }
        }
        // the marker goes first so it always precedes the run's own lines
        Instant spawning = Instant.now();
        Files.writeString(f.log(agent.name()), LogFiles.marker(agent.name(), spawning) + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        // recorded before it exists: an engine killed before the pid is written leaves a record a
        // later stop finds the process by (its token), so no agent outlives its session unseen
        RunRecord.launching(agent.name(), port, token).write(f.run(agent.name()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + agent.command() + " for agent '" + agent.name() + "': " + e.getMessage(), e);
        }
        if (AgentLauncher.leadsItsGroup()) {
            // until the wrapper has made its own process group, a stop could not reach what it starts
            ProcessGroups.awaitLeader(process.toHandle(), 5_000);
        }
        Instant started = process.info().startInstant().orElse(null);
        new RunRecord(agent.name(), process.pid(), started, port, token).write(f.run(agent.name()));
        log.info("session {}: started agent '{}' as pid {} on port {}", session.id(), agent.name(), process.pid(), port);
        activeLogs.add(f.log(agent.name()));
        watchProcess(session.id(), agent.name(), process.pid(), process.onExit().thenApply(p -> null));
    }

    /**
     * Gives a pooled agent this session: its output becomes the session's log, its exit status goes
     * to the session's file, its run record names it, and the claim hands it the environment a
     * freshly started agent would have had. False, with the reason in the log, when it cannot be claimed.
     */
    private boolean claim(Session session, AgentDefinition agent, SessionFiles f, AgentPool.Idle pooled, String token)
            throws IOException {
        Path logFile = f.log(agent.name());
        try {
            synchronized (clock) {
                LogFiles.rotateForNewRun(logFile, logLimits);
                clock.forget(logFile);
                pool.takeLog(pooled, logFile, LogFiles.marker(agent.name(), Instant.now()) + "\n"
                        + "pilothouse: a pooled reference agent (pid " + pooled.pid() + ", started "
                        + pooled.started() + ") takes this run\n");
            }
            // its working directory becomes the session's workspace (a rename: the process's cwd moves with it)
            pool.giveWorkspace(pooled, f.workspace());
            pool.redirectExit(pooled, f.exit(agent.name()));
            new RunRecord(agent.name(), pooled.pid(), pooled.started(), pooled.port(), token).write(f.run(agent.name()));
            Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.putAll(environment(session, agent, f, pooled.port(), token));
            pool.claim(pooled, env);
        } catch (IOException | RuntimeException e) {
            // whatever step failed, the agent is stopped and a fresh one starts in a workspace that is there
            pool.discard(pooled);
            Files.createDirectories(f.workspace());
            return notClaimed(session, f, agent, pooled, logFile, e);
        }
        log.info("session {}: agent '{}' is pooled pid {} on port {}, claimed", session.id(), agent.name(), pooled.pid(),
                pooled.port());
        activeLogs.add(logFile);
        watchProcess(session.id(), agent.name(), pooled.pid(), pooled.process().onExit().thenApply(p -> null));
        return true;
    }

    private boolean notClaimed(Session session, SessionFiles f, AgentDefinition agent, AgentPool.Idle pooled, Path logFile,
                               Exception e) throws IOException {
        log.warn("session {}: the pooled agent pid {} could not be claimed ({}); starting one", session.id(),
                pooled.pid(), e.getMessage());
        Files.deleteIfExists(f.run(agent.name()));
        Files.writeString(logFile, "pilothouse: the pooled agent could not be claimed (" + e.getMessage()
                + "); starting one\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return false;
    }

    /** For people: the reference agents waiting to be claimed. */
    @Override
    public Optional<String> standby() {
        return Optional.of(pool.describe());
    }

    /** Pids of the pooled agents waiting to be claimed (for tests and diagnostics). */
    public List<Long> pooledPids() {
        return pool.idlePids();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /**
     * A loopback port for an agent to listen on, chosen below the kernel's ephemeral range: a port
     * from that range can become the source port of any outgoing connection during the few hundred
     * milliseconds the agent takes to bind it, and the agent then failed with "Address already in
     * use" (seen in the suite, two forks starting agents). Ports outside it are only ever bound on
     * purpose. Where no such range is known, any free port, as before.
     */
    static int freePort() throws IOException {
        int below = EPHEMERAL_LOW;
        if (below > FIXED_LOW + 1_000) {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            for (int i = 0; i < 32; i++) {
                int port = FIXED_LOW + random.nextInt(below - FIXED_LOW);
                try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return s.getLocalPort();
                } catch (java.net.BindException taken) {
                    // in use: another
                }
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The lowest port agents are given when the ephemeral range starts high enough above it. */
    private static final int FIXED_LOW = 20_000;
    /** The first port of the kernel's ephemeral range (Linux; 0 where unknown). */
    private static final int EPHEMERAL_LOW = ephemeralLow();

    private static int ephemeralLow() {
        try {
            // read by lines: procfs reports a size of 0, and a read by size can stop early
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Stops the session's agents: the run record is first renamed to "stopping", so a watcher in
     * any engine process knows the exit that follows was asked for, and a stop cut short is
     * finished by the next one. Nothing is kept of why: no other workstation shares these processes.
     */
    @Override
    public void stop(String sessionId, Stop why) {
        SessionFiles f = files(sessionId);
        if (!Files.isDirectory(f.runDir())) {
            return;
        }
        List<Path> records = runRecords(f);
        if (records.isEmpty()) {
            return;
        }
        List<ProcessHandle> stopping = new ArrayList<>();
        for (Path record : records) {
            String name = record.getFileName().toString();
            Path target = name.endsWith(".stopping.json") ? record
                    : f.stopping(name.substring(0, name.length() - ".json".length()));
            Optional<RunRecord> r = RunRecord.read(record);
            try {
                if (!record.equals(target)) {
                    Files.move(record, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new OperationFailedException("cannot stop session " + sessionId + ": " + e.getMessage(), e);
            }
            r.flatMap(RunRecord::liveProcess).ifPresent(stopping::add);
        }
        terminate(stopping);
        List<Path> stopped = activeLogs.stream().filter(l -> l.startsWith(f.root())).toList();
        activeLogs.removeAll(stopped);
        awaitLogRotation(stopped);
        for (Path record : runRecords(f)) {
            try {
                Files.deleteIfExists(record);
            } catch (IOException e) {
                log.warn("cannot remove run record {}: {}", record, e.getMessage());
            }
        }
    }

    /**
     * TERM every process and its descendants, then KILL what is left after the grace period. An
     * agent's wrapper leads its own process group (setsid): the whole group is signalled too, so a
     * child the wrapper forks in the instant of the stop (the agent itself, right after launch) is
     * stopped with it rather than left running as an orphan, and the stop waits for every member.
     */
    private void terminate(List<ProcessHandle> processes) {
        if (processes.isEmpty()) {
            return;
        }
        List<Long> groups = processes.stream().filter(ProcessGroups::leads).map(ProcessHandle::pid).toList();
        java.util.Map<Long, ProcessHandle> targets = new java.util.LinkedHashMap<>();
        for (ProcessHandle p : processes) {
            p.descendants().forEach(d -> targets.put(d.pid(), d));
            targets.put(p.pid(), p);
        }
        groups.forEach(g -> ProcessGroups.signal(g, "TERM"));
        targets.values().forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stopGraceMillis);
        boolean killed = false;
        boolean confirming = false;
        while (true) {
            // members forked since the last look are taken in too
            boolean added = false;
            for (long g : groups) {
                for (ProcessHandle m : ProcessGroups.members(g)) {
                    if (targets.putIfAbsent(m.pid(), m) == null) {
                        added = true;
                        if (killed) {
                            m.destroyForcibly();
                        } else {
                            m.destroy();
                        }
                    }
                }
            }
            List<ProcessHandle> alive = targets.values().stream().filter(Processes::running).toList();
            if (alive.isEmpty()) {
                // one more look at the groups: a member forked just before its parent ended is stopped too
                if (confirming && !added) {
                    return;
                }
                confirming = true;
                continue;
            }
            confirming = false;
            if (System.nanoTime() > deadline) {
                if (killed) {
                    log.error("processes still alive after KILL: {}", alive);
                    return;
                }
                alive.forEach(p -> {
                    log.warn("pid {} ignored TERM for {} ms; killing it", p.pid(), stopGraceMillis);
                    p.destroyForcibly();
                });
                groups.forEach(g -> ProcessGroups.signal(g, "KILL"));
                killed = true;
                deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stopGraceMillis);
            }
            try {
                CompletableFuture.allOf(alive.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                        .get(50, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // look again: the deadline, and members that appeared
            } catch (InterruptedException e) {
                // asked to stop waiting: no grace period left, and the interrupt is kept for the caller
                targets.values().stream().filter(Processes::running).forEach(ProcessHandle::destroyForcibly);
                groups.forEach(g -> ProcessGroups.signal(g, "KILL"));
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static List<Path> runRecords(SessionFiles f) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(f.runDir())) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(f.runDir(), "*.json")) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public List<AgentStatus> status(Session session) {
        SessionFiles f = files(session.id());
        List<AgentStatus> out = new ArrayList<>();
        for (SessionAgent a : session.agents()) {
            Optional<RunRecord> r = RunRecord.read(f.run(a.name()));
            if (r.isEmpty()) {
                out.add(AgentStatus.stopped(a.name()));
            } else if (r.get().liveProcess().isPresent()) {
                out.add(AgentStatus.running(a.name()));
            } else {
                out.add(new AgentStatus(a.name(), AgentStatus.Kind.EXITED, exitCode(f, a.name()),
                        String.join("\n", lastLogLines(session.id(), a.name(), REASON_LINES))));
            }
        }
        return out;
    }

    /** While a session starts: which agent processes run and how long they have had to answer /healthz. */
    @Override
    public Optional<String> startProgress(String sessionId) {
        List<String> running = new ArrayList<>();
        for (Path record : runRecords(files(sessionId))) {
            RunRecord.read(record).filter(r -> !record.getFileName().toString().endsWith(".stopping.json"))
                    .ifPresent(r -> r.liveProcess().ifPresent(p -> running.add("'" + r.agent() + "' (pid " + p.pid()
                            + p.info().startInstant().map(at -> ", " + Math.max(0, java.time.Duration.between(at,
                            Instant.now()).toSeconds()) + " s").orElse("") + ")")));
        }
        running.sort(null);
        return running.isEmpty() ? Optional.of("launching the agents")
                : Optional.of("waiting for agent" + (running.size() == 1 ? " " : "s ") + String.join(", ", running)
                + " to answer /healthz");
    }

    private static Integer exitCode(SessionFiles f, String agent) {
        try {
            return Integer.valueOf(Files.readString(f.exit(agent)).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    @Override
    public AgentEndpoint endpoint(String sessionId, String agent) {
        SessionFiles f = files(sessionId);
        RunRecord r = RunRecord.read(f.run(agent))
                .orElseThrow(() -> new OperationFailedException("agent '" + agent + "' of session " + sessionId + " is not running"));
        // the engine is about to talk to the agent (a health check, a message): what it logged so far
        // is timed now, before that exchange. Left to the poller, lines logged just before could first
        // be seen after the agent's answer and take its time (LogClock): the agent's start lines came
        // after the session's first message on its timeline
        Path log = f.log(agent);
        if (activeLogs.contains(log)) {
            clock.check(log);
        }
        return new AgentEndpoint("http://127.0.0.1:" + r.port(), r.token());
    }

    /** Each running agent's process tree: CPU seconds used and resident memory, from /proc. */
    @Override
    public SessionUsage usage(Session session) {
        SessionFiles f = files(session.id());
        List<AgentUsage> out = new ArrayList<>();
        boolean any = false;
        for (SessionAgent a : session.agents()) {
            Optional<ProcessHandle> p = RunRecord.read(f.run(a.name())).flatMap(RunRecord::liveProcess);
            any |= p.isPresent();
            out.add(p.map(h -> ProcessTreeUsage.of(a.name(), h))
                    .orElseGet(() -> AgentUsage.unavailable(a.name(), "not running")));
        }
        return any ? new SessionUsage(out, null, null, null) : SessionUsage.unavailable(SessionUsage.NOTHING_RUNS);
    }

    @Override
    public Optional<long[]> volumeSize(Session session) {
        // walked only while an agent runs in it: a session with nothing running changes no files
        SessionFiles f = files(session.id());
        boolean runs = session.agents().stream().anyMatch(a -> RunRecord.read(f.run(a.name()))
                .flatMap(RunRecord::liveProcess).isPresent());
        return runs ? Optional.of(Trees.size(workspace(session.id()))) : Optional.empty();
    }

    /** Process ids of the session's running agents (for tests and diagnostics). */
    public List<Long> pids(String sessionId) {
        return runRecords(files(sessionId)).stream().map(RunRecord::read).flatMap(Optional::stream)
                .filter(r -> r.liveProcess().isPresent()).map(RunRecord::pid).toList();
    }

    @Override
    public void watch(String sessionId) {
        SessionFiles f = files(sessionId);
        for (Path record : runRecords(f)) {
            if (record.getFileName().toString().endsWith(".stopping.json")) {
                continue;
            }
            RunRecord.read(record).ifPresent(r -> r.liveProcess().ifPresentOrElse(
                    p -> {
                        activeLogs.add(f.log(r.agent()));
                        watchProcess(sessionId, r.agent(), r.pid(), p.onExit().thenApply(x -> null));
                    },
                    () -> exited(sessionId, r.agent(), r.pid())));
        }
    }

    private void watchProcess(String sessionId, String agent, long pid, CompletableFuture<Void> exit) {
        if (watched.add(pid)) {
            exit.thenRunAsync(() -> {
                watched.remove(pid);
                exited(sessionId, agent, pid);
            });
        }
    }

    /** Reports an exit unless it was asked for: then the run record is gone or being stopped. */
    private void exited(String sessionId, String agent, long pid) {
        SessionFiles f = files(sessionId);
        Optional<RunRecord> current = RunRecord.read(f.run(agent));
        if (current.isEmpty() || current.get().pid() != pid) {
            return;
        }
        Integer code = exitCode(f, agent);
        String detail = String.join("\n", lastLogLines(sessionId, agent, REASON_LINES));
        log.info("session {}: agent '{}' (pid {}) exited with {}", sessionId, agent, pid, code);
        RuntimeEvent event = new RuntimeEvent.AgentExited(sessionId, agent, code, detail);
        for (Consumer<RuntimeEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.error("runtime event listener failed on {}", event, e);
            }
        }
    }

    @Override
    public void subscribe(Consumer<RuntimeEvent> listener) {
        listeners.add(listener);
    }

    @Override
    public void copyVolume(String fromSessionId, String toSessionId, VolumeCopy what, CopyProgress progress) {
        Path from = files(fromSessionId).workspace();
        Path to = files(toSessionId).workspace();
        Path partial = to.resolveSibling("workspace.partial");
        if ((what.workspace() || what.conversation()) && !Files.isDirectory(from)) {
            throw new OperationFailedException("the parent's volume " + from + " does not exist; nothing to copy");
        }
        try {
            Files.createDirectories(to.getParent());
            deleteTree(partial);
            if (what.workspace() || what.conversation()) {
                Path history = Path.of(VolumeCopy.HISTORY_DIR);
                TreeCopier.copy(from, partial, rel -> what.workspace() && what.conversation()
                        || what.workspace() && !rel.startsWith(history)
                        || what.conversation() && (rel.startsWith(history) || history.startsWith(rel)), progress);
            } else {
                Files.createDirectories(partial);
            }
            deleteTree(to);
            Files.move(partial, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                deleteTree(partial);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new OperationFailedException("copying the volume failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void purgeVolume(String sessionId) {
        stop(sessionId);
        try {
            deleteTree(files(sessionId).root());
        } catch (IOException e) {
            throw new OperationFailedException("cannot remove the volume of session " + sessionId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean volumeExists(String sessionId) {
        return Files.isDirectory(files(sessionId).workspace());
    }

    @Override
    public String volumeLocation(String sessionId) {
        return workspace(sessionId).toAbsolutePath().toString();
    }

    @Override
    public Set<String> volumes() {
        Set<String> ids = new TreeSet<>();
        if (Files.isDirectory(sessionsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(sessionsDir, Files::isDirectory)) {
                ds.forEach(p -> ids.add(p.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ids;
    }

    @Override
    public List<String> lastLogLines(String sessionId, String agent, int n) {
        return LogFiles.lastLines(files(sessionId).log(agent), n);
    }

    /** Across the kept runs, each line at the time {@link LogClock} gives it. */
    @Override
    public List<LogLine> logHistory(String sessionId, String agent, int max) {
        synchronized (clock) { // not while a rotation moves the files
            return LogHistory.read(files(sessionId).log(agent), logLimits.keep(), max);
        }
    }

    @Override
    public LogSubscription logs(String sessionId, String agent, LogOptions options, Consumer<List<LogLine>> sink) {
        Path file = files(sessionId).log(agent);
        if (options.previous()) {
            sink.accept(LogFiles.previousRun(file).stream().map(l -> new LogLine(null, l)).toList());
            return () -> {
            };
        }
        rotateIfLarger(file);
        LogFollower follower = new LogFollower(file, options.tail(), sink);
        follower.readInitial();
        if (!options.follow()) {
            return () -> {
            };
        }
        var task = logPoller.scheduleWithFixedDelay(follower::poll, 50, 50, TimeUnit.MILLISECONDS);
        return () -> task.cancel(false);
    }

    /** Removes a tree, links themselves and never what they point to; returns the entries removed. */
    static int deleteTree(Path root) throws IOException {
        return Trees.delete(root);
    }

    @Override
    public void close() {
        pool.close();
        logPoller.shutdownNow();
    }
}
