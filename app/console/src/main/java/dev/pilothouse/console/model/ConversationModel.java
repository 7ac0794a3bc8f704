package dev.pilothouse.console.model;

import dev.pilothouse.agent.AgentEvent;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the Conversation tab keeps per session, without the FX thread: the draft in the send box,
 * whether a send is under way, the last send's error, and the reply streaming in. A draft or an
 * error belongs to its session and is never shown, or sent, with another one; a streaming reply
 * lasts from its first piece to its done (or error) event.
 */
public final class ConversationModel {
    private final Map<String, String> drafts = new HashMap<>();
    private final Map<String, String> errors = new HashMap<>();
    private final Set<String> sending = new HashSet<>();
    private final Map<String, Live> live = new HashMap<>();

    /** A reply streaming in: who is replying and what has arrived. */
    public static final class Live {
        private final String agent;
        private final StringBuilder text = new StringBuilder();

        Live(String agent) {
            this.agent = agent;
        }

        public String agent() {
            return agent;
        }

        public String text() {
            return text.toString();
        }
    }

    public String draft(String sessionId) {
        return drafts.getOrDefault(sessionId, "");
    }

    /** Remembers what the box holds for a session (called when the pane leaves it). */
    public void keepDraft(String sessionId, String text) {
        if (text == null || text.isEmpty()) {
            drafts.remove(sessionId);
        } else {
            drafts.put(sessionId, text);
        }
    }

    public boolean sending(String sessionId) {
        return sending.contains(sessionId);
    }

    public void sendStarted(String sessionId) {
        sending.add(sessionId);
        errors.remove(sessionId);
    }

    /**
     * The message was delivered. Returns what the session's box should hold now: empty, unless the
     * operator typed something else meanwhile.
     */
    public String sendDelivered(String sessionId, String sent, String inBox) {
        sending.remove(sessionId);
        String next = inBox == null || inBox.equals(sent) ? "" : inBox;
        keepDraft(sessionId, next);
        return next;
    }

    /** The send failed: the draft stays with its session, with the reason. */
    public void sendFailed(String sessionId, String message) {
        sending.remove(sessionId);
        errors.put(sessionId, message);
    }

    public String error(String sessionId) {
        return errors.getOrDefault(sessionId, "");
    }

    /**
     * Pieces of a reply streamed for a session (a frame's worth). Returns the reply still
     * streaming after them, or null once it is done.
     */
    public Live streamed(String sessionId, String agent, List<AgentEvent> events) {
        for (AgentEvent e : events) {
            if (e.type() == AgentEvent.Type.DONE || e.type() == AgentEvent.Type.ERROR) {
                live.remove(sessionId);
            } else if (e.carriesReplyText()) {
                live.computeIfAbsent(sessionId, k -> new Live(agent)).text.append(e.text() == null ? "" : e.text());
            }
        }
        return live.get(sessionId);
    }

    /** The reply has ended (its send returned, or the session is no longer BUSY). */
    public void replyEnded(String sessionId) {
        live.remove(sessionId);
    }

    public Live streaming(String sessionId) {
        return live.get(sessionId);
    }

    /** The send box's hint, naming the agent it goes to. */
    public static String hint(String agent) {
        if (agent == null) {
            return "Message (this session has no agent)";
        }
        return "Message to " + agent + " (Ctrl+Enter sends"
                + ("reference".equals(agent) ? "; start with \"$ \" to run a command in the workspace)" : ")");
    }
}
