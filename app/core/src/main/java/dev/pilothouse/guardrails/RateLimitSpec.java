package dev.pilothouse.guardrails;

import java.util.List;

/**
 * {@code rate-limiting}: messages a minute to the agent, per session ({@code session}, burst
 * {@code session-burst}) and per agent within a session ({@code agent}, {@code agent-burst}); each a
 * token bucket ({@link RateLimiter}). A rate of 0 ({@code off}) turns that bucket off; one of the two
 * must stay on.
 */
public record RateLimitSpec(int sessionPerMinute, int sessionBurst, int agentPerMinute, int agentBurst)
        implements GuardrailSpec {
    static final List<String> OPTIONS = List.of("session", "session-burst", "agent", "agent-burst");
    static final int MAX_RATE = 100_000;
    static final int MAX_BURST = 10_000;
    public static final RateLimitSpec DEFAULT = new RateLimitSpec(30, 10, 20, 5);

    public RateLimitSpec {
        if (sessionPerMinute < 0 || sessionPerMinute > MAX_RATE || agentPerMinute < 0 || agentPerMinute > MAX_RATE
                || sessionBurst < 1 || sessionBurst > MAX_BURST || agentBurst < 1 || agentBurst > MAX_BURST
                || sessionPerMinute == 0 && agentPerMinute == 0) {
            throw new IllegalArgumentException("rate-limiting out of range: " + sessionPerMinute + "/" + sessionBurst
                    + ", " + agentPerMinute + "/" + agentBurst);
        }
    }

    static RateLimitSpec from(SpecOptions o) {
        int session = o.integer("session", DEFAULT.sessionPerMinute(), 1, MAX_RATE, true,
                "messages a minute per session");
        int sessionBurst = o.integer("session-burst", DEFAULT.sessionBurst(), 1, MAX_BURST, false,
                "messages a session may send at once");
        int agent = o.integer("agent", DEFAULT.agentPerMinute(), 1, MAX_RATE, true,
                "messages a minute per agent in a session");
        int agentBurst = o.integer("agent-burst", DEFAULT.agentBurst(), 1, MAX_BURST, false,
                "messages an agent may be sent at once");
        if (session == 0 && agent == 0) {
            throw o.error("session=off and agent=off limit nothing; keep one of them (1 to " + MAX_RATE
                    + " messages a minute)");
        }
        if (session == 0 && o.has("session-burst")) {
            throw o.error("session-burst is given with session=off; a burst needs a rate");
        }
        if (agent == 0 && o.has("agent-burst")) {
            throw o.error("agent-burst is given with agent=off; a burst needs a rate");
        }
        return new RateLimitSpec(session, session == 0 ? DEFAULT.sessionBurst() : sessionBurst, agent,
                agent == 0 ? DEFAULT.agentBurst() : agentBurst);
    }

    @Override
    public String name() {
        return RATE_LIMITING;
    }

    @Override
    public String canonical() {
        return name() + ":" + bucket("session", sessionPerMinute, sessionBurst) + ","
                + bucket("agent", agentPerMinute, agentBurst);
    }

    private static String bucket(String key, int rate, int burst) {
        return rate == 0 ? key + "=off" : key + "=" + rate + "," + key + "-burst=" + burst;
    }

    @Override
    public String toString() {
        return canonical();
    }
}
