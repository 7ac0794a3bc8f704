package dev.pilothouse.errors;

import java.time.Duration;
import java.time.Instant;

/**
 * A session's guardrail turned a message away before anything of it reached the agent: it was
 * blocked for what it holds ({@link Reason#BLOCKED}: the message names the kinds found and where,
 * never the text), or refused for its rate ({@link Reason#RATE_LIMITED}, with when to retry) or
 * size ({@link Reason#TOO_LARGE}, with the limit). Exit code 2 for a message that must change, 1
 * for a rate refusal (the same message works later); the REST API answers 422, 429 with
 * Retry-After, 413.
 */
public class GuardrailException extends PilothouseException {
    public enum Reason { BLOCKED, RATE_LIMITED, TOO_LARGE }

    private final Reason reason;
    private final String guardrail;
    private final Instant retryAt;
    private final Duration retryAfter;

    public GuardrailException(Reason reason, String guardrail, String message, Instant retryAt, Duration retryAfter) {
        super(message);
        this.reason = reason;
        this.guardrail = guardrail;
        this.retryAt = retryAt;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** The guardrail that turned the message away: no-pii-exposure, rate-limiting or max-message-size. */
    public String guardrail() {
        return guardrail;
    }

    /** When sending again will work (rate refusals), else null. */
    public Instant retryAt() {
        return retryAt;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole seconds to wait, at least 1 (an HTTP Retry-After), or null. */
    public Long retryAfterSeconds() {
        if (retryAfter == null) {
            return null;
        }
        return Math.max(1, (retryAfter.toNanos() + 999_999_999L) / 1_000_000_000L);
    }

    @Override
    public int exitCode() {
        return reason == Reason.RATE_LIMITED ? 1 : 2;
    }
}
