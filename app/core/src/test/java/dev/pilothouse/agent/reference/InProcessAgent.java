package dev.pilothouse.agent.reference;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The agent's HTTP server in the test JVM, on a port of its choosing, configured as from the environment. */
final class InProcessAgent implements AutoCloseable {
    final AgentConfig config;
    final AgentServer server;
    final AgentHttp http;

    private InProcessAgent(AgentConfig config, AgentServer server) {
        this.config = config;
        this.server = server;
        this.http = new AgentHttp(server.port());
    }

    static InProcessAgent start(Path workspace, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("PILOTHOUSE_AGENT_PORT", "0");
        all.put("PILOTHOUSE_WORKSPACE", workspace.toString());
        AgentConfig config = AgentConfig.parse(all, new String[0], workspace);
        return new InProcessAgent(config, ready(AgentServer.start(config, new IdleTimer(config.waitingTimeoutSeconds()))));
    }

    @Override
    public void close() {
        http.close();
        server.close();
    }

    /** As the agent's main does once its ready line is logged. */
    private static AgentServer ready(AgentServer server) {
        server.markReady();
        return server;
    }
}
