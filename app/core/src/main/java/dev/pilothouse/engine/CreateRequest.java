package dev.pilothouse.engine;

import dev.pilothouse.session.Resources;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A new session. Null fields take their defaults: a generated name, the {@code local} context,
 * no starting prompt, 300 s waiting timeout, 24 h TTL, no metadata, default resources, no
 * guardrails. {@code guardrails} are specs as an operator writes them ({@code NAME[:options]},
 * docs/guardrails.md); the engine stores their canonical form. {@code agentConfig} is a template's
 * per-agent config by agent name (docs/templates.md: {@code model}, {@code instructions}, the rest as
 * PILOTHOUSE_CONFIG_ variables), applied to the session's copies of those agents' definitions.
 * {@code scheduledAt}: store the session pending (INIT, phase PENDING) and start it then, not now.
 */
public record CreateRequest(String name, String context, String namespace, List<String> agents, String startingPrompt,
                            Long waitingTimeoutSeconds, Long ttlSeconds, String metadata, Resources resources,
                            List<String> guardrails, Map<String, Map<String, String>> agentConfig, Instant scheduledAt) {

    public CreateRequest(String name, String context, String namespace, List<String> agents, String startingPrompt,
                         Long waitingTimeoutSeconds, Long ttlSeconds, String metadata, Resources resources,
                         List<String> guardrails, Map<String, Map<String, String>> agentConfig) {
        this(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds, metadata, resources,
                guardrails, agentConfig, null);
    }

    public CreateRequest(String name, String context, String namespace, List<String> agents, String startingPrompt,
                         Long waitingTimeoutSeconds, Long ttlSeconds, String metadata, Resources resources,
                         List<String> guardrails) {
        this(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds, metadata, resources,
                guardrails, null);
    }

    public CreateRequest(String name, String context, String namespace, List<String> agents, String startingPrompt,
                         Long waitingTimeoutSeconds, Long ttlSeconds, String metadata, Resources resources) {
        this(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds, metadata, resources, null);
    }

    public CreateRequest withGuardrails(List<String> specs) {
        return new CreateRequest(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, specs, agentConfig, scheduledAt);
    }

    public CreateRequest withAgents(List<String> names) {
        return new CreateRequest(name, context, namespace, names, startingPrompt, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, guardrails, agentConfig, scheduledAt);
    }

    public CreateRequest withAgentConfig(Map<String, Map<String, String>> config) {
        return new CreateRequest(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, guardrails, config, scheduledAt);
    }

    /** The same session, started at {@code at} instead of at once (null: at once). */
    public CreateRequest withScheduledAt(Instant at) {
        return new CreateRequest(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds,
                metadata, resources, guardrails, agentConfig, at);
    }

    public static CreateRequest of(String name, String... agents) {
        return new CreateRequest(name, null, null, List.of(agents), null, null, null, null, null);
    }

    public CreateRequest withPrompt(String prompt) {
        return new CreateRequest(name, context, namespace, agents, prompt, waitingTimeoutSeconds, ttlSeconds, metadata, resources, guardrails, agentConfig, scheduledAt);
    }

    public CreateRequest withTimeouts(Long waiting, Long ttl) {
        return new CreateRequest(name, context, namespace, agents, startingPrompt, waiting, ttl, metadata, resources, guardrails, agentConfig, scheduledAt);
    }

    public CreateRequest withMetadata(String json) {
        return new CreateRequest(name, context, namespace, agents, startingPrompt, waitingTimeoutSeconds, ttlSeconds, json, resources, guardrails, agentConfig, scheduledAt);
    }
}
