package dev.pilothouse.runtime;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment of the agent contract (docs/agent-contract.md), the same on every runtime: the
 * definition's own variables first, then Pilothouse's, which win.
 */
public final class AgentEnvironment {
    private AgentEnvironment() {
    }

    /**
     * @param host      the address the agent binds
     * @param workspace the session's volume as the agent sees it
     */
    public static Map<String, String> of(Session s, AgentDefinition a, int port, String token, String host, String workspace) {
        Map<String, String> env = new LinkedHashMap<>(new TreeMap<>(a.env()));
        env.put("PILOTHOUSE_AGENT_PORT", Integer.toString(port));
        env.put("PILOTHOUSE_AGENT_HOST", host);
        env.put("PILOTHOUSE_AGENT_NAME", a.name());
        env.put("PILOTHOUSE_AGENT_TOKEN", token);
        env.put("PILOTHOUSE_SESSION_ID", s.id());
        env.put("PILOTHOUSE_SESSION_NAME", s.name());
        env.put("PILOTHOUSE_WORKSPACE", workspace);
        env.put("PILOTHOUSE_HISTORY_DIR", workspace + "/" + VolumeCopy.HISTORY_DIR + "/" + a.name());
        env.put("PILOTHOUSE_WAITING_TIMEOUT_SECONDS", Integer.toString(s.waitingTimeoutSeconds()));
        env.put("PILOTHOUSE_MODEL", a.model() == null ? "" : a.model());
        env.put("PILOTHOUSE_INSTRUCTIONS", a.instructions() == null ? "" : a.instructions());
        return env;
    }
}
