package dev.pilothouse.guardrails;

import dev.pilothouse.errors.InvalidInputException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A session's guardrails as one object, checked on every message in both directions:
 * <ol>
 * <li>{@code max-message-size}, both directions: a message over the limit is refused, and nothing else
 * is looked at;</li>
 * <li>{@code rate-limiting}, messages to the agent only: the operator's prompts are what a rate limit
 * is for, and refusing an agent's reply would lose it. Over the limit, refused with when to retry.
 * A message the next step blocks has still used its place: the limit also slows down anyone probing
 * what the detectors let through;</li>
 * <li>{@code no-pii-exposure}, both directions, one scan for all its specs' kinds: any finding of a
 * kind to block blocks the message (all its findings are reported), else the findings are redacted.</li>
 * </ol>
 * Several {@code no-pii-exposure} specs compose (block secrets, redact e-mail addresses) as long as no
 * kind is in two of them; {@code rate-limiting} and {@code max-message-size} are given once at most.
 * Thread-safe: the scan is stateless and the rate limiter keeps each session's buckets apart.
 */
public final class Guardrails {
    /** Blocked messages list at most this many places in words; the verdict's places have them all. */
    static final int PLACES_IN_MESSAGE = 20;

    private final List<GuardrailSpec> specs;
    private final Clock clock;
    private final MessageSizeSpec size;
    private final RateLimiter rate;
    private final PiiScanner scanner;
    private final Set<PiiKind> blockKinds;

    private Guardrails(List<GuardrailSpec> specs, Clock clock) {
        this.specs = List.copyOf(specs);
        this.clock = Objects.requireNonNull(clock);
        MessageSizeSpec sizeSpec = null;
        RateLimitSpec rateSpec = null;
        EnumSet<PiiKind> kinds = EnumSet.noneOf(PiiKind.class);
        EnumSet<PiiKind> block = EnumSet.noneOf(PiiKind.class);
        for (GuardrailSpec spec : this.specs) {
            if (spec instanceof MessageSizeSpec s) {
                if (sizeSpec != null) {
                    throw twice(spec);
                }
                sizeSpec = s;
            } else if (spec instanceof RateLimitSpec r) {
                if (rateSpec != null) {
                    throw twice(spec);
                }
                rateSpec = r;
            } else if (spec instanceof PiiExposureSpec p) {
                EnumSet<PiiKind> both = EnumSet.copyOf(p.kinds());
                both.retainAll(kinds);
                if (!both.isEmpty()) {
                    throw new InvalidInputException("no-pii-exposure: " + names(both)
                            + " in two no-pii-exposure guardrails; give each kind to one of them", SpecOptions.FIELD);
                }
                kinds.addAll(p.kinds());
                if (p.action() == Action.BLOCK) {
                    block.addAll(p.kinds());
                }
            }
        }
        this.size = sizeSpec;
        this.rate = rateSpec == null ? null : new RateLimiter(rateSpec, clock);
        this.scanner = kinds.isEmpty() ? null : new PiiScanner(kinds);
        this.blockKinds = Set.copyOf(block);
    }

    public static Guardrails of(List<GuardrailSpec> specs, Clock clock) {
        return new Guardrails(specs, clock);
    }

    /** From specs as an operator writes them ({@link GuardrailSpec#parse}). */
    public static Guardrails parse(List<String> specs, Clock clock) {
        return new Guardrails(specs.stream().map(GuardrailSpec::parse).toList(), clock);
    }

    public List<GuardrailSpec> specs() {
        return specs;
    }

    /** The specs as the engine stores them. */
    public List<String> canonical() {
        return specs.stream().map(GuardrailSpec::canonical).toList();
    }

    /**
     * Checks one message. {@code agent} may be null (then only the session's rate bucket counts).
     */
    public Verdict check(Direction direction, String sessionId, String agent, String text) {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(text, "text");
        if (size != null && text.length() > size.maxChars()) {
            String reason = "the message is " + text.length() + " characters; max-message-size allows at most "
                    + size.maxChars();
            return new Verdict.Refused(size.name(), reason, null, null,
                    List.of(new Hit(size.name(), direction, "size", Action.REFUSE, 0, text.length())));
        }
        if (rate != null && direction == Direction.TO_AGENT) {
            RateLimiter.Decision d = rate.acquire(sessionId, agent);
            if (!d.allowed()) {
                return refusedForRate(direction, agent, text, d);
            }
        }
        if (scanner == null) {
            return new Verdict.Allowed(text);
        }
        List<Finding> raw = scanner.scanRaw(text);
        if (raw.isEmpty()) {
            return new Verdict.Allowed(text);
        }
        boolean block = false;
        for (Finding f : raw) {
            block |= blockKinds.contains(f.kind());
        }
        List<Finding> findings = PiiScanner.merge(raw);
        Action action = block ? Action.BLOCK : Action.REDACT;
        List<Hit> hits = new ArrayList<>(findings.size());
        for (Finding f : findings) {
            hits.add(new Hit(GuardrailSpec.NO_PII_EXPOSURE, direction, f.kind().wireName(), action, f.start(), f.end()));
        }
        if (!block) {
            return new Verdict.Redacted(Redactor.redact(text, findings), findings, hits);
        }
        List<Place> places = places(text, findings);
        return new Verdict.Blocked(GuardrailSpec.NO_PII_EXPOSURE, places, blockedMessage(direction, places), hits);
    }

    /** The session has ended: its rate buckets go. */
    public void forgetSession(String sessionId) {
        if (rate != null) {
            rate.forget(sessionId);
        }
    }

    private Verdict refusedForRate(Direction direction, String agent, String text, RateLimiter.Decision d) {
        Instant now = clock.instant();
        Duration after = Duration.between(now, d.retryAt());
        long seconds = Math.max(1, (after.toNanos() + 999_999_999L) / 1_000_000_000L);
        String who = d.limited().equals("session") ? "this session" : "agent " + agent + " in this session";
        String reason = "too many messages: rate-limiting allows " + d.perMinute() + " a minute to " + who
                + ", " + d.burst() + " at once; retry in " + seconds + " s, at " + d.retryAt();
        return new Verdict.Refused(GuardrailSpec.RATE_LIMITING, reason, d.retryAt(), after,
                List.of(new Hit(GuardrailSpec.RATE_LIMITING, direction, d.limited() + "-rate", Action.REFUSE, 0,
                        text.length())));
    }

    static List<Place> places(String text, List<Finding> findings) {
        int[] offsets = new int[findings.size() * 2];
        for (int k = 0; k < findings.size(); k++) {
            offsets[2 * k] = findings.get(k).start();
            offsets[2 * k + 1] = findings.get(k).end() - 1;
        }
        TextPosition[] positions = TextPosition.of(text, offsets);
        List<Place> places = new ArrayList<>(findings.size());
        for (int k = 0; k < findings.size(); k++) {
            places.add(new Place(findings.get(k), positions[2 * k], positions[2 * k + 1]));
        }
        return places;
    }

    private static String blockedMessage(Direction direction, List<Place> places) {
        StringBuilder m = new StringBuilder("blocked by no-pii-exposure: nothing of this message was ")
                .append(direction == Direction.TO_AGENT ? "sent to the agent" : "shown")
                .append("; it holds ");
        for (int k = 0; k < places.size() && k < PLACES_IN_MESSAGE; k++) {
            m.append(k == 0 ? "" : ", ").append(places.get(k));
        }
        if (places.size() > PLACES_IN_MESSAGE) {
            m.append(" and ").append(places.size() - PLACES_IN_MESSAGE).append(" more");
        }
        return m.toString();
    }

    private static InvalidInputException twice(GuardrailSpec spec) {
        return new InvalidInputException(spec.name() + " is given twice; give it once with all its options",
                SpecOptions.FIELD);
    }

    private static String names(Set<PiiKind> kinds) {
        return String.join("+", EnumSet.copyOf(kinds).stream().map(PiiKind::wireName).toList());
    }
}
