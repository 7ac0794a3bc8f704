package dev.pilothouse.guardrails;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One guardrail's hit on one message, meant to become an audit event: which guardrail, which way the
 * message went, what kind of thing was found (a {@link PiiKind} name, or {@code size}, {@code
 * session-rate}, {@code agent-rate}), what was done, and where ({@code start} inclusive, {@code end}
 * exclusive, in the original message; the whole message for a refusal). It has no field for the
 * matched text, so an audit log of hits cannot leak what the guardrail kept back.
 */
public record Hit(String guardrail, Direction direction, String kind, Action action, int start, int end) {
    /** The audit event's fields, in a fixed order, ready for JSON. */
    public Map<String, Object> audit() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guardrail", guardrail);
        m.put("direction", direction.wireName());
        m.put("kind", kind);
        m.put("action", action.wireName());
        m.put("start", start);
        m.put("end", end);
        return m;
    }
}
