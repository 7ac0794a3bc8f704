package dev.pilothouse.agent;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An agent whose connection ends mid-reply: the failure is told in words, with what arrived before it. */
class AgentClientBrokenReplyTest {
    @Test
    void aConnectionClosedMidReplySaysSoNotAClassName() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> agent = CompletableFuture.runAsync(() -> {
                try (Socket s = listen.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[8192];
                    in.read(buf); // the request (small enough to come at once); its content does not matter here
                    String line = "{\"type\":\"delta\",\"text\":\"half a rep\"}\n";
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    // and the agent dies: the chunked body never ends
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            AgentEndpoint endpoint = new AgentEndpoint("http://127.0.0.1:" + listen.getLocalPort(), null);
            assertThatThrownBy(() -> new AgentClient().send(endpoint, "1", "s", "hello", e -> { }))
                    .isInstanceOfSatisfying(AgentClient.PartialReplyException.class, e -> {
                        assertThat(e.getMessage()).startsWith("the agent closed the connection before its reply was complete")
                                .doesNotContain("Exception");
                        assertThat(e.partial()).isEqualTo("half a rep");
                    });
            agent.join();
        }
    }
}
