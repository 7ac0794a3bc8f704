package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.guardrails.Finding;
import dev.pilothouse.guardrails.Verdict;

import java.util.ArrayList;
import java.util.List;

/**
 * A reply's events held back while it streamed, released once the whole reply has been checked by
 * the session's guardrails (a secret split across two deltas is only found in the whole text). The
 * reply's text is the concatenation of its delta and tool-output events, so the verdict's offsets
 * map back onto them: each event is released with the findings inside it redacted (a finding that
 * spans events is replaced where it begins and removed from the rest). A reply turned away releases
 * none of its text, only one error event saying why. Text beyond what a stored reply keeps was never
 * checked and is not released.
 */
final class HeldReply {
    private HeldReply() {
    }

    static List<AgentEvent> release(List<AgentEvent> events, Verdict verdict) {
        if (SessionGuardrails.turnedAway(verdict)) {
            return List.of(new AgentEvent(AgentEvent.Type.ERROR, SessionGuardrails.words(verdict), null, null));
        }
        List<Finding> findings = verdict instanceof Verdict.Redacted r ? r.findings() : List.of();
        List<AgentEvent> out = new ArrayList<>(events.size());
        int pos = 0;
        int fi = 0;
        int cap = AgentClient.MAX_REPLY_CHARS;
        for (AgentEvent ev : events) {
            if (!ev.carriesReplyText()) {
                out.add(ev);
                continue;
            }
            String t = ev.text();
            int a = pos;
            int b = Math.min(pos + t.length(), cap);
            pos += t.length();
            if (a >= b) {
                continue; // beyond what was kept and checked
            }
            StringBuilder sb = new StringBuilder(b - a);
            int i = a;
            while (i < b) {
                while (fi < findings.size() && findings.get(fi).end() <= i) {
                    fi++;
                }
                Finding f = fi < findings.size() ? findings.get(fi) : null;
                if (f != null && f.start() <= i) {
                    if (f.start() == i) {
                        sb.append("[REDACTED:").append(f.kind().wireName()).append(']');
                    }
                    i = Math.min(b, f.end());
                } else {
                    int next = f == null ? b : Math.min(b, f.start());
                    sb.append(t, i - a, next - a);
                    i = next;
                }
            }
            if (sb.length() > 0 || t.isEmpty()) {
                out.add(new AgentEvent(ev.type(), sb.toString(), ev.stream(), ev.exitCode(), ev.inputTokens(), ev.outputTokens()));
            }
        }
        return out;
    }
}
