package dev.pilothouse.agent.reference;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The reference agent's HTTP server in the test JVM, configured from a container's environment as
 * a pod would give it, with the container's workspace path mapped onto a local directory: what
 * the Kubernetes tests' fake kubelet runs for each agent container.
 */
public final class ContainerAgent implements AutoCloseable {
    private final AgentServer server;

    private ContainerAgent(AgentServer server) {
        this.server = server;
    }

    /**
     * @param env           the container's environment
     * @param containerPath where the container mounts the workspace ({@code /workspace})
     * @param volume        the local directory standing for the session's PVC
     */
    public static ContainerAgent start(Map<String, String> env, String containerPath, Path volume) throws Exception {
        Map<String, String> all = new HashMap<>();
        env.forEach((k, v) -> all.put(k, v != null && v.startsWith(containerPath)
                ? volume + v.substring(containerPath.length()) : v));
        all.put("PILOTHOUSE_AGENT_PORT", "0");
        all.put("PILOTHOUSE_AGENT_HOST", "127.0.0.1");
        AgentConfig config = AgentConfig.parse(all, new String[0], volume);
        return new ContainerAgent(ready(AgentServer.start(config, new IdleTimer(config.waitingTimeoutSeconds()))));
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }

    /** As the agent's main does once its ready line is logged. */
    private static AgentServer ready(AgentServer server) {
        server.markReady();
        return server;
    }
}
