package dev.pilothouse.host;

import dev.pilothouse.cli.Cli;
import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one engine of a data dir, and the door other processes reach it by: a process that owns
 * the data dir (the console, {@code pilothouse serve}, or the background engine a CLI command
 * starts) opens its engine here and serves CLI commands to other processes on loopback. So one
 * process writes the store and owns the agents, and CLI commands never open the store themselves.
 *
 * <p>The background engine gives way: a console opening on its data dir asks it to stop and takes
 * over; it also stops by itself when idle (no command for a while and no local session running)
 * and at once if its data dir is deleted.
 */
public final class EngineHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineHost.class);
    /** How long a console waits for a background engine to hand the data dir over. */
    static final Duration TAKEOVER = Duration.ofSeconds(60);
    /** How long running commands may finish when the engine stops. */
    static final Duration GRACE = Duration.ofSeconds(30);

    /** Who owns the data dir. */
    public enum Kind {
        CONSOLE("the console"), BACKGROUND("the background engine"), SERVE("pilothouse serve");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Engine engine;
    private final Kind kind;
    private final CommandServer server;
    private final Instant startedAt = Instant.now();
    private final Path dataDir;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ScheduledExecutorService watchdog;
    private volatile String stopReason;
    private Endpoint endpoint;

    private EngineHost(Engine engine, Kind kind, Duration idle) throws IOException {
        this.engine = engine;
        this.kind = kind;
        this.dataDir = engine.config().dataDir().toAbsolutePath().normalize();
        this.server = new CommandServer(Endpoint.secret(dataDir), BuildInfo.build(), inv -> Cli.serve(this, inv), Cli::handsOff,
                Cli::asksEngineStatus, why -> {
            if (kind == Kind.BACKGROUND) {
                requestStop(why);
            }
        });
        this.endpoint = new Endpoint(ProcessHandle.current().pid(), server.port(), kind, BuildInfo.build(), startedAt);
        endpoint.write(dataDir);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "engine-host-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(() -> watch(idle), 1, 1, TimeUnit.SECONDS);
        log.info("{} serves data dir {} on 127.0.0.1:{}", kind.label(), dataDir, server.port());
    }

    /** Opens the data dir's engine for a console or {@code serve}, taking it over from a background engine. */
    public static EngineHost open(EngineConfig config, Kind kind) {
        return open(config, () -> new Runtimes(config.dataDir()), kind, Duration.ZERO);
    }

    /**
     * @param idle for the background engine: how long without commands (and with no local
     *             session running) before it stops by itself
     */
    public static EngineHost open(EngineConfig config, Supplier<Runtimes> runtimes, Kind kind, Duration idle) {
        Path dir = config.dataDir();
        long start = System.nanoTime();
        boolean asked = false;
        while (true) {
            Engine engine;
            try {
                engine = Engine.open(config, runtimes.get());
            } catch (DataDirInUseException inUse) {
                Optional<Endpoint> owner = Endpoint.read(dir).filter(Endpoint::alive);
                String who = owner.map(o -> o.kind().label() + " (pid " + o.pid() + ")").orElse("another engine");
                if (owner.isPresent() && (kind == Kind.BACKGROUND || owner.get().kind() != Kind.BACKGROUND)) {
                    throw new DataDirInUseException("data dir " + dir + " is open in " + who + "; one engine serves a "
                            + "data dir at a time: close it first, or use the CLI beside it");
                }
                if (!asked && owner.isPresent()) {
                    asked = Remote.stopBackground(dir, owner.get());
                }
                // no endpoint yet: its owner is starting (or stopping); wait a little for it
                long limit = kind == Kind.BACKGROUND ? Duration.ofSeconds(5).toNanos() : TAKEOVER.toNanos();
                if (System.nanoTime() - start > limit) {
                    throw new DataDirInUseException("data dir " + dir + " is held by " + who + ", which did not hand it "
                            + "over within " + Duration.ofNanos(limit).toSeconds() + " s; try again, or stop it: "
                            + "pilothouse engine stop --data-dir " + dir);
                }
                pause(Duration.ofMillis(100));
                continue;
            }
            try {
                startInDefaultContext(engine);
                return new EngineHost(engine, kind, idle);
            } catch (IOException | RuntimeException e) {
                engine.close();
                throw new OperationFailedException("cannot serve data dir " + dir + " to CLI commands: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The engine's own context, which the REST API's requests use when they name none: the default
     * one, so that {@code serve} in a pod works in its cluster ({@link Engine#defaultContext()}).
     */
    private static void startInDefaultContext(Engine engine) {
        String context = engine.defaultContext();
        if (!context.equals(engine.context())) {
            engine.useContext(context);
            log.info("context '{}' is the default", context);
        }
    }

    public Engine engine() {
        return engine;
    }

    /** Says in the endpoint file where the REST API listens, so that a console opened beside serve works through it. */
    public synchronized void publishApi(String url) throws IOException {
        endpoint = endpoint.withApi(url);
        endpoint.write(dataDir);
    }

    public Kind kind() {
        return kind;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** CLI commands being run for other processes now. */
    public int commandsRunning() {
        return server.running();
    }

    /** Connections refused since the start because every command slot was taken: for tests. */
    int commandsRefusedBusy() {
        return server.refusedBusy();
    }

    /** Asks the engine to stop: no new commands, running ones finish (up to a grace period). */
    public void requestStop(String reason) {
        if (stopReason != null) {
            return;
        }
        stopReason = reason;
        Thread t = new Thread(this::close, "engine-host-stop");
        t.setDaemon(false);
        t.start();
    }

    /** Blocks until the engine has stopped; returns why. */
    public String awaitStopped() throws InterruptedException {
        stopped.await();
        return stopReason;
    }

    private void watch(Duration idle) {
        try {
            if (!engine.dataDirIntact()) {
                requestStop("its data dir " + dataDir + " was deleted");
                return;
            }
            if (kind != Kind.BACKGROUND || server.running() > 0
                    || System.nanoTime() - server.lastActivity() < idle.toNanos()) {
                return;
            }
            boolean localRunning = engine.at(Engine.LOCAL_CONTEXT, null).sessions(false).stream()
                    .map(Session::state).anyMatch(s -> s == SessionState.READY || s == SessionState.BUSY || s == SessionState.INIT);
            if (!localRunning && !engine.batchesActive()) { // a batch between rows is not idle
                requestStop("idle for " + idle.toSeconds() + " s with no local session running");
            }
        } catch (RuntimeException e) {
            log.warn("engine watchdog: {}", e.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (stopped.getCount() == 0) {
                return;
            }
            if (stopReason == null) {
                stopReason = "closed";
            }
            log.info("{} stops serving {}: {}", kind.label(), dataDir, stopReason);
            watchdog.shutdownNow();
            server.stop(GRACE);
            Endpoint.remove(dataDir, ProcessHandle.current().pid());
            engine.close();
            stopped.countDown();
        }
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationFailedException("interrupted while waiting for the engine", e);
        }
    }
}
