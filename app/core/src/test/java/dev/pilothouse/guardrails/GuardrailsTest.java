package dev.pilothouse.guardrails;

import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The composition: size, rate, then what the message holds; block versus redact; audit forms without the text. */
class GuardrailsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T09:00:00Z"));

    private Guardrails guardrails(String... specs) {
        return Guardrails.parse(List.of(specs), clock);
    }

    @Test
    void aCleanMessageIsDeliveredAsItIs() {
        String text = "Please refactor Store.java and run the tests.";
        Verdict v = guardrails("no-pii-exposure", "rate-limiting", "max-message-size").check(Direction.TO_AGENT, "s", "a", text);
        assertThat(v).isEqualTo(new Verdict.Allowed(text));
        assertThat(v.deliverable()).containsSame(text);
        assertThat(v.hits()).isEmpty();
    }

    @Test
    void redactReplacesEachFindingAndKeepsTheOriginalOffsets() {
        String text = "mail jane@example.com, card 4111 1111 1111 1111.\nkey AKIAIOSFODNN7EXAMPLE";
        Verdict v = guardrails("no-pii-exposure:action=redact").check(Direction.TO_OPERATOR, "s", "a", text);
        assertThat(v).isInstanceOf(Verdict.Redacted.class);
        Verdict.Redacted r = (Verdict.Redacted) v;
        assertThat(r.text()).isEqualTo("mail [REDACTED:email], card [REDACTED:card].\nkey [REDACTED:api-key]");
        assertThat(r.findings()).containsExactly(new Finding(PiiKind.EMAIL, 5, 21), new Finding(PiiKind.CARD, 28, 47),
                new Finding(PiiKind.API_KEY, 53, 73));
        assertThat(r.findings()).extracting(f -> text.substring(f.start(), f.end()))
                .containsExactly("jane@example.com", "4111 1111 1111 1111", "AKIAIOSFODNN7EXAMPLE");
        assertThat(r.hits()).containsExactly(
                new Hit("no-pii-exposure", Direction.TO_OPERATOR, "email", Action.REDACT, 5, 21),
                new Hit("no-pii-exposure", Direction.TO_OPERATOR, "card", Action.REDACT, 28, 47),
                new Hit("no-pii-exposure", Direction.TO_OPERATOR, "api-key", Action.REDACT, 53, 73));
        assertThat(r.deliverable()).contains(r.text());
    }

    @Test
    void blockDeliversNothingAndSaysWhatWasFoundWhereWithoutTheText() {
        String text = "hello\n  write to jane@example.com\nssn 536-22-1234 ok";
        Verdict v = guardrails("no-pii-exposure").check(Direction.TO_AGENT, "s", "a", text);
        assertThat(v).isInstanceOf(Verdict.Blocked.class);
        Verdict.Blocked b = (Verdict.Blocked) v;
        assertThat(b.deliverable()).isEmpty();
        assertThat(b.places()).containsExactly(
                new Place(new Finding(PiiKind.EMAIL, 17, 33), new TextPosition(2, 12), new TextPosition(2, 27)),
                new Place(new Finding(PiiKind.SSN, 38, 49), new TextPosition(3, 5), new TextPosition(3, 15)));
        assertThat(b.message()).isEqualTo("blocked by no-pii-exposure: nothing of this message was sent to the agent;"
                + " it holds email at 2:12-2:27 (offsets 17-33), ssn at 3:5-3:15 (offsets 38-49)");
        assertThat(b.hits()).extracting(Hit::action).containsOnly(Action.BLOCK);
        assertThat(b.audit().toString()).doesNotContain("jane", "536-22");
    }

    @Test
    void blockWinsOverRedactWhenOneMessageHoldsBothKinds() {
        Guardrails g = guardrails("no-pii-exposure:kinds=secret", "no-pii-exposure:action=redact,kinds=email+phone");
        assertThat(g.check(Direction.TO_OPERATOR, "s", "a", "call 415-555-0132 or bob@example.org"))
                .isEqualTo(new Verdict.Redacted("call [REDACTED:phone] or [REDACTED:email]",
                        List.of(new Finding(PiiKind.PHONE, 5, 17), new Finding(PiiKind.EMAIL, 21, 36)),
                        List.of(new Hit("no-pii-exposure", Direction.TO_OPERATOR, "phone", Action.REDACT, 5, 17),
                                new Hit("no-pii-exposure", Direction.TO_OPERATOR, "email", Action.REDACT, 21, 36))));
        Verdict v = g.check(Direction.TO_OPERATOR, "s", "a", "bob@example.org token ghp_" + "aB3x".repeat(9));
        assertThat(v).isInstanceOf(Verdict.Blocked.class);
        assertThat(((Verdict.Blocked) v).findings()).extracting(Finding::kind).containsExactly(PiiKind.EMAIL, PiiKind.API_KEY);
        assertThat(v.hits()).extracting(Hit::action).containsOnly(Action.BLOCK);
        assertThat(((Verdict.Blocked) v).message()).contains("nothing of this message was shown");
    }

    @Test
    void kindsLeftOutAreNotLookedFor() {
        Guardrails g = guardrails("no-pii-exposure:kinds=card");
        assertThat(g.check(Direction.TO_AGENT, "s", "a", "jane@example.com 10.0.0.1")).isInstanceOf(Verdict.Allowed.class);
        assertThat(g.check(Direction.TO_AGENT, "s", "a", "4111111111111111")).isInstanceOf(Verdict.Blocked.class);
    }

    @Test
    void tooLargeAMessageIsRefusedWithTheLimitAndItsSizeBeforeItCountsAgainstTheRate() {
        Guardrails g = guardrails("max-message-size:chars=100", "rate-limiting:session=60,session-burst=1,agent=off",
                "no-pii-exposure");
        String big = "x".repeat(101) + " jane@example.com";
        Verdict v = g.check(Direction.TO_AGENT, "s", "a", big);
        assertThat(v).isInstanceOf(Verdict.Refused.class);
        Verdict.Refused r = (Verdict.Refused) v;
        assertThat(r.reason()).isEqualTo("the message is 118 characters; max-message-size allows at most 100");
        assertThat(r.retryAt()).as("sending it again will not help").isNull();
        assertThat(r.hits()).containsExactly(new Hit("max-message-size", Direction.TO_AGENT, "size", Action.REFUSE, 0, 118));
        assertThat(g.check(Direction.TO_AGENT, "s", "a", "x".repeat(100))).as("at the limit, and the rate's one place is still free")
                .isInstanceOf(Verdict.Allowed.class);
        assertThat(g.check(Direction.TO_OPERATOR, "s", "a", big)).as("replies too").isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void aBlockedMessageStillTakesItsPlaceInTheRate() {
        Guardrails g = guardrails("rate-limiting:session=60,session-burst=1,agent=off", "no-pii-exposure");
        assertThat(g.check(Direction.TO_AGENT, "s", "a", "ssn 536-22-1234")).isInstanceOf(Verdict.Blocked.class);
        assertThat(g.check(Direction.TO_AGENT, "s", "a", "ssn 536-22-1234")).isInstanceOf(Verdict.Refused.class);
    }

    @Test
    void aBlockedMessageWithManyFindingsNamesTheFirstTwentyInWords() {
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < 25; k++) {
            text.append("user").append(k).append("@example.com\n");
        }
        Verdict.Blocked b = (Verdict.Blocked) guardrails("no-pii-exposure").check(Direction.TO_AGENT, "s", "a", text.toString());
        assertThat(b.places()).hasSize(25);
        assertThat(b.places().get(24).from()).isEqualTo(new TextPosition(25, 1));
        assertThat(b.message()).endsWith(" and 5 more");
    }

    /** For every positive of the corpus, blocked and redacted: no hit, audit form or verdict string holds the matched text. */
    @Test
    void noHitOrAuditFormHoldsTheMatchedText() {
        Guardrails block = guardrails("no-pii-exposure");
        Guardrails redact = guardrails("no-pii-exposure:action=redact");
        int checked = 0;
        for (PiiKind kind : PiiKind.values()) {
            for (Corpus.Example e : Corpus.labelled(kind)) {
                if (!e.positive()) {
                    continue;
                }
                for (Guardrails g : List.of(block, redact)) {
                    Verdict v = g.check(Direction.TO_OPERATOR, "s", "a", e.text());
                    assertThat(v).isNotInstanceOf(Verdict.Allowed.class);
                    List<String> forms = new ArrayList<>();
                    forms.add(v.audit().toString());
                    v.hits().forEach(h -> forms.add(h.toString()));
                    v.hits().forEach(h -> forms.add(h.audit().toString()));
                    if (v instanceof Verdict.Blocked b) {
                        forms.add(b.toString());
                        forms.add(b.message());
                        forms.add(b.places().toString());
                    } else {
                        forms.add(((Verdict.Redacted) v).text());
                        forms.add(((Verdict.Redacted) v).findings().toString());
                    }
                    for (Finding expected : e.expected()) {
                        String secret = e.text().substring(expected.start(), expected.end());
                        for (String form : forms) {
                            assertThat(form).as("%s:%d", kind, e.line()).doesNotContain(secret);
                        }
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(500);
    }

    @Test
    void manyThreadsGetTheSameVerdictsAsOne() throws Exception {
        Guardrails g = guardrails("no-pii-exposure:action=redact", "max-message-size");
        List<String> texts = new ArrayList<>();
        for (PiiKind kind : PiiKind.values()) {
            Corpus.labelled(kind).forEach(e -> texts.add(e.text()));
        }
        List<Verdict> expected = texts.stream().map(t -> g.check(Direction.TO_OPERATOR, "s", "a", t)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<List<Verdict>>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                tasks.add(() -> {
                    List<Verdict> out = new ArrayList<>();
                    for (int round = 0; round < 20; round++) {
                        out.clear();
                        for (String text : texts) {
                            out.add(g.check(Direction.TO_OPERATOR, "session-" + thread, "a", text));
                        }
                    }
                    return out;
                });
            }
            for (Future<List<Verdict>> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
