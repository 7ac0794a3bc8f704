package dev.pilothouse.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@code serve} listens: loopback unless asked, and beyond loopback only with TLS or an
 * explicit {@code insecure}.
 *
 * @param maxBodyBytes     largest request body accepted (413 above)
 * @param requestsPerMinute each token's rate limit (429 above)
 * @param grace            how long a stop waits for requests in flight
 * @param idleTimeout      how long a connection may send nothing (a request body stalled half-way: 408)
 */
public record ServerOptions(String host, int port, Path tlsCert, Path tlsKey, boolean insecure, long maxBodyBytes,
                            int requestsPerMinute, Duration grace, Duration idleTimeout) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_PORT = 7780;
    public static final long DEFAULT_MAX_BODY = 1024 * 1024;
    public static final int DEFAULT_RATE = 600;

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, null, null, false, DEFAULT_MAX_BODY, DEFAULT_RATE, Duration.ofSeconds(30),
                DEFAULT_IDLE_TIMEOUT);
    }

    /** Parses {@code HOST:PORT}, {@code :PORT} or {@code PORT} (host 127.0.0.1); IPv6 as {@code [::1]:PORT}. */
    public static ServerOptions listen(String spec) {
        String host = "127.0.0.1";
        String port = spec;
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                host = "127.0.0.1";
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen '" + spec + "': the port '" + port + "' is not a number; "
                    + "accepted: HOST:PORT, :PORT or PORT, such as 127.0.0.1:7780");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("--listen '" + spec + "': port " + p + " is out of range; accepted: 0 "
                    + "(any free port) to 65535");
        }
        return loopback(p).withHost(host);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, tlsCert, tlsKey, insecure, maxBodyBytes, requestsPerMinute, grace, idleTimeout);
    }

    public ServerOptions withTls(Path cert, Path key) {
        return new ServerOptions(host, port, cert, key, insecure, maxBodyBytes, requestsPerMinute, grace, idleTimeout);
    }

    public ServerOptions withInsecure(boolean i) {
        return new ServerOptions(host, port, tlsCert, tlsKey, i, maxBodyBytes, requestsPerMinute, grace, idleTimeout);
    }

    public ServerOptions withLimits(long maxBody, int perMinute) {
        return new ServerOptions(host, port, tlsCert, tlsKey, insecure, maxBody, perMinute, grace, idleTimeout);
    }

    public ServerOptions withGrace(Duration g) {
        return new ServerOptions(host, port, tlsCert, tlsKey, insecure, maxBodyBytes, requestsPerMinute, g, idleTimeout);
    }

    public ServerOptions withIdleTimeout(Duration idle) {
        return new ServerOptions(host, port, tlsCert, tlsKey, insecure, maxBodyBytes, requestsPerMinute, grace, idle);
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** Refuses what would expose the API carelessly, saying what to do instead. */
    public void check() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key (PEM files)");
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--listen host '" + host + "' is not known here: " + e.getMessage());
        }
        if (!loopback && !tls() && !insecure) {
            throw new IllegalArgumentException("--listen " + host + ":" + port + " is reachable from other machines, and "
                    + "tokens would cross the network in clear text; give --tls-cert and --tls-key, or --insecure to "
                    + "accept that (e.g. behind a TLS proxy or inside a cluster network)");
        }
    }
}
