package dev.pilothouse.engine;

import dev.pilothouse.session.Resources;

import java.util.List;

/**
 * A remix: everything not given is inherited from the parent. {@code agents}, when given,
 * replaces the parent's agents; {@code addAgents}/{@code removeAgents} adjust them instead.
 * The workspace is copied unless {@code copyWorkspace} is false; the conversation only when
 * {@code copyConversation} is true. {@code guardrails}, when given, replace the parent's (an empty
 * list: none); null inherits them.
 */
public record RemixRequest(String name, String startingPrompt, List<String> agents, List<String> addAgents,
                           List<String> removeAgents, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                           Resources resources, boolean copyWorkspace, boolean copyConversation, List<String> guardrails) {

    /** A remix that inherits its parent's guardrails. */
    public RemixRequest(String name, String startingPrompt, List<String> agents, List<String> addAgents,
                        List<String> removeAgents, Long waitingTimeoutSeconds, Long ttlSeconds, String metadata,
                        Resources resources, boolean copyWorkspace, boolean copyConversation) {
        this(name, startingPrompt, agents, addAgents, removeAgents, waitingTimeoutSeconds, ttlSeconds, metadata,
                resources, copyWorkspace, copyConversation, null);
    }

    public RemixRequest withGuardrails(List<String> specs) {
        return new RemixRequest(name, startingPrompt, agents, addAgents, removeAgents, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, copyWorkspace, copyConversation, specs);
    }

    public static RemixRequest inherit() {
        return new RemixRequest(null, null, null, List.of(), List.of(), null, null, null, null, true, false);
    }

    public RemixRequest named(String n) {
        return new RemixRequest(n, startingPrompt, agents, addAgents, removeAgents, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, copyWorkspace, copyConversation, guardrails);
    }

    public RemixRequest withPrompt(String p) {
        return new RemixRequest(name, p, agents, addAgents, removeAgents, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, copyWorkspace, copyConversation, guardrails);
    }

    public RemixRequest withAgents(List<String> add, List<String> remove) {
        return new RemixRequest(name, startingPrompt, agents, add, remove, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, copyWorkspace, copyConversation, guardrails);
    }

    public RemixRequest copying(boolean workspace, boolean conversation) {
        return new RemixRequest(name, startingPrompt, agents, addAgents, removeAgents, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, workspace, conversation, guardrails);
    }
}
