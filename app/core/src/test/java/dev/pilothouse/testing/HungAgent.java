package dev.pilothouse.testing;

import com.sun.net.httpserver.HttpServer;
import dev.pilothouse.agent.AgentClient;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * An agent that is alive and says so (it answers {@code /healthz}, with the identity proof) but
 * never answers a message: it takes the request and holds the connection without a byte in reply.
 * Tests run it as a real process through the local runtime, as an operator's stuck agent would be.
 */
public final class HungAgent {
    private HungAgent() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv("PILOTHOUSE_AGENT_PORT"));
        String token = System.getenv("PILOTHOUSE_AGENT_TOKEN");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/healthz", ex -> {
            String challenge = ex.getRequestHeaders().getFirst(AgentClient.CHALLENGE_HEADER);
            String body = "{\"status\":\"ok\",\"agent\":\"hung\""
                    + (challenge != null && token != null ? ",\"proof\":\"" + AgentClient.hmac(token, challenge) + "\"" : "")
                    + "}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        CountDownLatch never = new CountDownLatch(1);
        server.createContext("/v0/messages", ex -> {
            System.out.println("message received; not answering");
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        System.out.println("hung agent listening on port " + port);
    }

    /** The command that runs this agent with the test's class path. */
    public static java.util.List<String> command() {
        return java.util.List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", absoluteClassPath(), HungAgent.class.getName());
    }

    /** The test's class path with absolute entries: agents run in their workspace. */
    public static String absoluteClassPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(e -> java.nio.file.Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
