package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.session.Session;

/** What the engine tells its listeners (the console): delivered on engine threads, in order per session. */
public sealed interface EngineEvent {
    String sessionId();

    /** A new version of a session, written by this engine or seen from another process. */
    record SessionChanged(Session session) implements EngineEvent {
        @Override
        public String sessionId() {
            return session.id();
        }
    }

    /** A piece of an agent's reply as it streams in. */
    record ReplyStreamed(String sessionId, String agent, AgentEvent event) implements EngineEvent {
    }

    /** Progress of a remix's volume copy. */
    record CopyProgressed(String sessionId, long bytesDone, long bytesTotal, long filesDone, long filesTotal)
            implements EngineEvent {
    }

    /** Something the operator should know that is not a session change: orphans, adoptions. */
    record Notice(String sessionId, String message) implements EngineEvent {
    }

    /** A batch changed: submitted, a row started or finished, cancelled, resumed, done (its counts now). */
    record BatchChanged(BatchSummary batch) implements EngineEvent {
        @Override
        public String sessionId() {
            return null;
        }
    }

    /**
     * A context became connected, unreachable, unauthorized or forbidden; {@link
     * ConnectionStatus#describe()} says it in the operator's words. Sessions keep their state
     * meanwhile: a cluster that cannot be reached never puts them in ERROR.
     */
    record ConnectionChanged(String context, ConnectionStatus status) implements EngineEvent {
        @Override
        public String sessionId() {
            return null;
        }
    }
}
