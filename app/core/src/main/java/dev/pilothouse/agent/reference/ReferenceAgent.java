package dev.pilothouse.agent.reference;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code pilothouse reference-agent}: the agent every data dir registers as {@code reference}
 * (docs/agent-contract.md). Exit status 0 when the waiting timeout passes or when asked to stop
 * (SIGTERM); 2 for a bad flag or environment value; 1 when it cannot listen.
 */
public final class ReferenceAgent {
    private ReferenceAgent() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (PooledStart.requested(System.getenv())) {
            pooled();
            return;
        }
        AgentConfig config;
        try {
            config = AgentConfig.parse(System.getenv(), args, Path.of("").toAbsolutePath());
        } catch (AgentConfig.HelpRequested e) {
            System.out.println(AgentConfig.USAGE);
            return;
        } catch (AgentConfig.InvalidConfigException e) {
            System.err.println("reference agent: " + e.getMessage());
            System.err.println(AgentConfig.USAGE);
            System.exit(2);
            return;
        }

        IdleTimer idle = new IdleTimer(config.waitingTimeoutSeconds());
        AgentServer server;
        try {
            server = AgentServer.start(config, idle);
        } catch (IOException e) {
            System.err.println("reference agent: cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        server.answerFirstHealthCheck(config.host());
        stopCleanly(config, server);
        announce(config, server);
        runUntilIdle(config, idle);
    }

    /** Started ahead of its session by the local runtime's pool: serves whichever session claims it. */
    private static void pooled() throws InterruptedException {
        PooledStart.Claim claim;
        try {
            claim = PooledStart.await(System.getenv());
        } catch (AgentConfig.InvalidConfigException e) {
            System.err.println("reference agent: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException e) {
            System.err.println("reference agent: cannot listen: " + e.getMessage());
            System.exit(1);
            return;
        }
        stopCleanly(claim.config(), claim.agent());
        runUntilIdle(claim.config(), claim.idle());
    }

    /**
     * Being asked to stop is a clean exit: the JVM would report a SIGTERM as status 143, so the hook
     * halts with 0 once the server is closed and any running command is killed.
     */
    private static void stopCleanly(AgentConfig config, AgentServer server) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            AgentLog.info("reference agent '" + config.name() + "' stopped");
            Runtime.getRuntime().halt(0);
        }, "agent-stop"));
    }

    /** Logs the ready line and from then on answers /healthz as healthy. */
    static void announce(AgentConfig config, AgentServer server) {
        long readyAtMicros = epochMicros(Instant.now());
        AgentLog.info("reference agent '" + config.name() + "' listening on " + config.host() + ":" + server.port()
                + " (workspace " + config.workspace() + ", waiting timeout " + config.waitingTimeoutSeconds()
                + " s) ready_at_us=" + readyAtMicros);
        server.markReady();
    }

    private static void runUntilIdle(AgentConfig config, IdleTimer idle) throws InterruptedException {
        idle.awaitExpiry();
        AgentLog.info("no message for " + config.waitingTimeoutSeconds() + " s; exiting");
        System.exit(0);
    }

    static long epochMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
