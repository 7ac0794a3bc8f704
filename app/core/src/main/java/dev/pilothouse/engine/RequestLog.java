package dev.pilothouse.engine;

import dev.pilothouse.session.AgentRequest;
import dev.pilothouse.session.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's requests to its agents, from its conversation: each message an operator (or the
 * starting prompt) sent, paired with the next reply from the same agent, and the reply's trace
 * summary. Messages copied from a remix's parent are the parent's requests, not this session's.
 */
final class RequestLog {
    private RequestLog() {
    }

    /** @param traces per reply id: its first event's milliseconds and its number of events */
    static List<AgentRequest> of(List<Message> conversation, Map<Long, long[]> traces, String agent) {
        List<AgentRequest> out = new ArrayList<>();
        Map<String, Message> waiting = new HashMap<>(); // per agent: the message sent and not yet answered
        for (Message m : conversation) {
            if (m.copied() || (agent != null && !agent.equals(m.agent()))) {
                continue;
            }
            if (m.role() == Message.Role.USER) {
                Message unanswered = waiting.put(m.agent(), m);
                if (unanswered != null) {
                    out.add(pending(unanswered));
                }
            } else {
                Message sent = waiting.remove(m.agent());
                if (sent != null) {
                    long[] t = traces.get(m.id());
                    out.add(new AgentRequest(sent.id(), m.id(), m.agent(), sent.createdAt(), t == null ? null : t[0],
                            Duration.between(sent.createdAt(), m.createdAt()).toMillis(), sent.content().length(),
                            m.content().length(), t == null ? 0 : (int) t[1], m.status(), m.error()));
                }
            }
        }
        waiting.values().stream().sorted(Comparator.comparingLong(Message::id)).forEach(m -> out.add(pending(m)));
        out.sort(Comparator.comparingLong(AgentRequest::messageId));
        return out;
    }

    private static AgentRequest pending(Message sent) {
        return new AgentRequest(sent.id(), 0, sent.agent(), sent.createdAt(), null, null, sent.content().length(), 0, 0,
                null, null);
    }
}
