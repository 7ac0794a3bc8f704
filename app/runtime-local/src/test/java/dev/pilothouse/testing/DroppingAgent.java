package dev.pilothouse.testing;

import dev.pilothouse.agent.AgentClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An agent whose connection breaks mid-reply while it lives on and keeps working: the message
 * {@code drop} is taken (200, a first piece of the reply), then the connection is closed and the
 * agent stays busy for good, refusing every later message with {@code 409} as the contract says.
 * Any other message is answered at once. Raw HTTP on a socket, so the connection can really break.
 */
public final class DroppingAgent {
    private DroppingAgent() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv("PILOTHOUSE_AGENT_PORT"));
        String token = System.getenv("PILOTHOUSE_AGENT_TOKEN");
        AtomicBoolean busy = new AtomicBoolean();
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("dropping agent listening on port " + port);
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s, token, busy));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void serve(Socket socket, String token, AtomicBoolean busy) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                int length = 0;
                String challenge = null;
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    String name = h.substring(0, h.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT);
                    String value = h.substring(h.indexOf(':') + 1).trim();
                    if (name.equals("content-length")) {
                        length = Integer.parseInt(value);
                    } else if (name.equals(AgentClient.CHALLENGE_HEADER.toLowerCase(java.util.Locale.ROOT))) {
                        challenge = value;
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                if (requestLine.contains("/healthz")) {
                    respond(out, 200, "{\"status\":\"ok\",\"agent\":\"dropping\"" + (challenge != null && token != null
                            ? ",\"proof\":\"" + AgentClient.hmac(token, challenge) + "\"" : "") + "}");
                } else if (!busy.compareAndSet(false, true)) {
                    respond(out, 409, "{\"error\":\"another message is still being processed; send one message at a time\"}");
                } else if (body.contains("\"content\":\"drop\"")) {
                    String piece = "{\"type\":\"delta\",\"text\":\"working on it\"}\n";
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    System.out.println("message taken; the connection breaks, the work goes on");
                    return; // closed without the last chunk: the reply's connection broke; busy stays set
                } else {
                    busy.set(false);
                    respond(out, 200, "{\"type\":\"delta\",\"text\":\"got it\"}\n{\"type\":\"done\"}\n");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void respond(OutputStream out, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The command that runs this agent with the test's class path. */
    public static java.util.List<String> command() {
        return java.util.List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", HungAgent.absoluteClassPath(), DroppingAgent.class.getName());
    }
}
