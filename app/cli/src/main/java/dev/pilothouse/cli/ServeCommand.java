package dev.pilothouse.cli;

import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.server.ApiServer;
import dev.pilothouse.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code pilothouse serve}: the data dir's engine, headless, with the REST API. It runs every timer
 * (waiting timeouts, TTLs, reconciles) while it is up; CLI commands on the same data dir are
 * served by it. SIGTERM: no new requests, streams ended, requests in flight given the grace
 * period; agents keep running for the next engine to adopt.
 */
@Command(name = "serve", description = "Run the engine headless with the REST API (/api/v0) until stopped")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:" + ServerOptions.DEFAULT_PORT,
            description = "Where to listen (default ${DEFAULT-VALUE}); beyond loopback only with TLS or --insecure")
    String listen;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate (chain) for HTTPS")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8) for HTTPS")
    Path tlsKey;

    @Option(names = "--insecure", description = "Allow plain HTTP on a non-loopback address (e.g. behind a TLS proxy)")
    boolean insecure;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "" + ServerOptions.DEFAULT_MAX_BODY,
            description = "Largest request body accepted (default ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "" + ServerOptions.DEFAULT_RATE,
            description = "Requests a minute per token (default ${DEFAULT-VALUE})")
    int rateLimit;

    @Override
    public Integer call() throws InterruptedException {
        Cli root = (Cli) spec.root().userObject();
        if (root.host != null) {
            throw new InvalidInputException("an engine already serves this data dir; run `serve` in a shell of its own");
        }
        if (maxBody < 1024) {
            throw new InvalidInputException("--max-body " + maxBody + " is too small; accepted: 1024 bytes or more");
        }
        if (rateLimit < 1) {
            throw new InvalidInputException("--rate-limit " + rateLimit + " is out of range; accepted: 1 or more requests a minute");
        }
        ServerOptions options;
        try {
            options = ServerOptions.listen(listen).withTls(tlsCert, tlsKey).withInsecure(insecure).withLimits(maxBody, rateLimit);
            options.check();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        Path dataDir = DataDirs.resolve(root.dataDir);
        EngineConfig config = EngineConfig.of(dataDir).withBackground(true);
        EngineHost host = EngineHost.open(config, () -> new Runtimes(config.dataDir()), EngineHost.Kind.SERVE, Duration.ZERO);
        if (root.context != null || root.namespace != null) {
            // the context new sessions go to when a request names none
            try {
                host.engine().useContext(root.context != null ? root.context : host.engine().context(), root.namespace);
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
        }
        ApiServer api;
        try {
            api = ApiServer.start(host.engine(), options);
        } catch (RuntimeException e) {
            host.close();
            throw new InvalidInputException("cannot listen on " + listen + ": " + rootCause(e));
        }
        try {
            host.publishApi(api.url());
        } catch (java.io.IOException e) {
            api.close();
            host.close();
            throw new dev.pilothouse.errors.OperationFailedException("cannot write the endpoint file in " + dataDir + ": "
                    + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            host.close();
        }, "serve-shutdown"));
        var err = spec.commandLine().getErr();
        err.println("pilothouse serve: " + api.url() + "/api/v0 on data dir " + dataDir
                + "; stop with Ctrl+C or SIGTERM");
        err.println("a token for requests: pilothouse tokens create NAME --data-dir " + dataDir);
        err.flush();
        String why;
        try {
            why = host.awaitStopped();
        } catch (InterruptedException e) {
            // run in a thread of its own (a test, an embedding) and interrupted: stop as on SIGTERM
            api.close();
            host.close();
            throw e;
        }
        api.close();
        err.println("stopped: " + why);
        return 0;
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
