package dev.pilothouse.guardrails;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the guardrails decided about one message: deliver it as it is, deliver a redacted copy, deliver
 * nothing because of what it holds ({@link Blocked}), or deliver nothing because of its size or rate
 * ({@link Refused}). Each carries the {@link Hit}s for the audit log. No verdict holds a matched text:
 * {@link Redacted#text()} has the findings replaced, {@link Blocked} has kinds and places only.
 */
public sealed interface Verdict {
    /** What reaches the agent or the screen, if anything. */
    Optional<String> deliverable();

    List<Hit> hits();

    /** The verdict for the audit log or an API answer: kinds, places, reasons; no message text at all. */
    Map<String, Object> audit();

    /** Nothing found, nothing exceeded. */
    record Allowed(String text) implements Verdict {
        @Override
        public Optional<String> deliverable() {
            return Optional.of(text);
        }

        @Override
        public List<Hit> hits() {
            return List.of();
        }

        @Override
        public Map<String, Object> audit() {
            return Map.of("verdict", "allowed");
        }

        @Override
        public String toString() {
            return "Allowed[" + text.length() + " characters]";
        }
    }

    /** Delivered with each finding replaced by {@code [REDACTED:kind]}; the findings' offsets are in the original. */
    record Redacted(String text, List<Finding> findings, List<Hit> hits) implements Verdict {
        public Redacted {
            findings = List.copyOf(findings);
            hits = List.copyOf(hits);
        }

        @Override
        public Optional<String> deliverable() {
            return Optional.of(text);
        }

        @Override
        public Map<String, Object> audit() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("verdict", "redacted");
            m.put("hits", hits.stream().map(Hit::audit).toList());
            return m;
        }
    }

    /**
     * Nothing delivered: {@code message} tells the operator the kinds found and where (line:column and
     * offsets), never the text; {@code places} are the same for a program.
     */
    record Blocked(String guardrail, List<Place> places, String message, List<Hit> hits) implements Verdict {
        public Blocked {
            places = List.copyOf(places);
            hits = List.copyOf(hits);
        }

        public List<Finding> findings() {
            return places.stream().map(Place::finding).toList();
        }

        @Override
        public Optional<String> deliverable() {
            return Optional.empty();
        }

        @Override
        public Map<String, Object> audit() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("verdict", "blocked");
            m.put("message", message);
            m.put("hits", hits.stream().map(Hit::audit).toList());
            return m;
        }

        @Override
        public String toString() {
            return "Blocked[" + message + "]";
        }
    }

    /**
     * Nothing delivered, for the message's size or rate: {@code reason} in words; {@code retryAt} when
     * sending again will work (null when it never will, as for a message too large).
     */
    record Refused(String guardrail, String reason, Instant retryAt, Duration retryAfter, List<Hit> hits)
            implements Verdict {
        public Refused {
            hits = List.copyOf(hits);
        }

        @Override
        public Optional<String> deliverable() {
            return Optional.empty();
        }

        @Override
        public Map<String, Object> audit() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("verdict", "refused");
            m.put("guardrail", guardrail);
            m.put("reason", reason);
            if (retryAt != null) {
                m.put("retryAt", retryAt.toString());
                m.put("retryAfterSeconds", retryAfter.toSeconds());
            }
            m.put("hits", hits.stream().map(Hit::audit).toList());
            return m;
        }
    }
}
