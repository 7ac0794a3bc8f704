package dev.pilothouse.guardrails;

import dev.pilothouse.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Spec strings: the plain names and their defaults, options, the canonical form, and every kind of bad input. */
class GuardrailSpecTest {
    @Test
    void plainNamesTakeTheDefaults() {
        assertThat(GuardrailSpec.parse("no-pii-exposure")).isEqualTo(new PiiExposureSpec(Action.BLOCK, EnumSet.allOf(PiiKind.class)));
        assertThat(GuardrailSpec.parse("rate-limiting")).isEqualTo(new RateLimitSpec(30, 10, 20, 5));
        assertThat(GuardrailSpec.parse("max-message-size")).isEqualTo(new MessageSizeSpec(100_000));
    }

    @Test
    void theCanonicalFormWritesEveryOption() {
        assertThat(GuardrailSpec.parse("no-pii-exposure").canonical()).isEqualTo("no-pii-exposure:action=block,kinds=all");
        assertThat(GuardrailSpec.parse("rate-limiting").canonical())
                .isEqualTo("rate-limiting:session=30,session-burst=10,agent=20,agent-burst=5");
        assertThat(GuardrailSpec.parse("max-message-size").canonical()).isEqualTo("max-message-size:chars=100000");
        assertThat(GuardrailSpec.parse(" No-PII-Exposure : Kinds = CARD+email , action=REDACT ").canonical())
                .as("any case, spaces, any order").isEqualTo("no-pii-exposure:action=redact,kinds=card+email");
        assertThat(GuardrailSpec.parse("no-pii-exposure:kinds=secret+ip").canonical())
                .isEqualTo("no-pii-exposure:action=block,kinds=private-key+api-key+ip+high-entropy");
        assertThat(GuardrailSpec.parse("rate-limiting:agent=off,session=600").canonical())
                .isEqualTo("rate-limiting:session=600,session-burst=10,agent=off");
        assertThat(GuardrailSpec.parse("max-message-size:chars=1_000").canonical()).isEqualTo("max-message-size:chars=1000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-pii-exposure", "no-pii-exposure:action=redact", "no-pii-exposure:kinds=email+phone+iban",
            "no-pii-exposure:kinds=secret,action=redact", "no-pii-exposure:kinds=all+email", "rate-limiting",
            "rate-limiting:session=1,session-burst=1", "rate-limiting:session=off,agent=100000,agent-burst=10000",
            "rate-limiting:agent=off", "max-message-size:chars=1", "max-message-size:chars=10000000"})
    void specsRoundTripThroughTheirCanonicalForm(String text) {
        GuardrailSpec spec = GuardrailSpec.parse(text);
        assertThat(GuardrailSpec.parse(spec.canonical())).isEqualTo(spec);
        assertThat(GuardrailSpec.parse(spec.canonical()).canonical()).isEqualTo(spec.canonical());
        assertThat(spec).hasToString(spec.canonical());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|a guardrail is NAME or NAME:option=value,...; the guardrails are no-pii-exposure, rate-limiting, max-message-size",
            "no-pii|unknown guardrail \"no-pii\"; the guardrails are no-pii-exposure, rate-limiting, max-message-size",
            "no-pii-exposure:|no-pii-exposure: nothing after ':'; give option=value pairs separated by ',' (action, kinds) or leave out the ':'",
            "no-pii-exposure:acton=block|no-pii-exposure: unknown option \"acton\"; its options are action, kinds",
            "no-pii-exposure:action|no-pii-exposure: \"action\" is not option=value; its options are action, kinds",
            "no-pii-exposure:action=|no-pii-exposure: \"action=\" is not option=value; its options are action, kinds",
            "no-pii-exposure:action=block,action=redact|no-pii-exposure: option \"action\" is given twice",
            "no-pii-exposure:action=delete|no-pii-exposure: action=delete is not accepted; action is block or redact",
            "no-pii-exposure:kinds=email+passport|no-pii-exposure: kinds=email+passport: \"passport\" is not a kind; kinds are all, secret, private-key, api-key, card, iban, ssn, email, phone, ip, high-entropy, joined with '+'",
            "rate-limiting:session=0|rate-limiting: session=0 is out of range; session is messages a minute per session, 1 to 100000, or off",
            "rate-limiting:session=100001|rate-limiting: session=100001 is out of range; session is messages a minute per session, 1 to 100000, or off",
            "rate-limiting:session=fast|rate-limiting: session=fast is not a whole number; session is messages a minute per session, 1 to 100000, or off",
            "rate-limiting:agent-burst=0|rate-limiting: agent-burst=0 is out of range; agent-burst is messages an agent may be sent at once, 1 to 10000",
            "rate-limiting:session-burst=2.5|rate-limiting: session-burst=2.5 is not a whole number; session-burst is messages a session may send at once, 1 to 10000",
            "rate-limiting:session=off,agent=off|rate-limiting: session=off and agent=off limit nothing; keep one of them (1 to 100000 messages a minute)",
            "rate-limiting:session=off,session-burst=3|rate-limiting: session-burst is given with session=off; a burst needs a rate",
            "rate-limiting:burst=3|rate-limiting: unknown option \"burst\"; its options are session, session-burst, agent, agent-burst",
            "max-message-size:chars=0|max-message-size: chars=0 is out of range; chars is the most characters a message may have, 1 to 10000000",
            "max-message-size:chars=99999999999|max-message-size: chars=99999999999 is out of range; chars is the most characters a message may have, 1 to 10000000",
            "max-message-size:chars=off|max-message-size: chars=off is not a whole number; chars is the most characters a message may have, 1 to 10000000",
            "max-message-size:bytes=10|max-message-size: unknown option \"bytes\"; its options are chars",
    })
    void badInputSaysWhatWasWrongAndWhatIsAccepted(String text, String message) {
        assertThatThrownBy(() -> GuardrailSpec.parse(text))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.field()).isEqualTo("guardrail");
                    assertThat(e.exitCode()).isEqualTo(2);
                });
    }

    @Test
    void aCompositionTakesRateAndSizeOnceAndEachKindInOneNoPiiExposure() {
        Clock clock = Clock.systemUTC();
        assertThatThrownBy(() -> Guardrails.parse(List.of("rate-limiting", "rate-limiting:session=5"), clock))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("rate-limiting is given twice; give it once with all its options");
        assertThatThrownBy(() -> Guardrails.parse(List.of("max-message-size", "max-message-size:chars=5"), clock))
                .hasMessage("max-message-size is given twice; give it once with all its options");
        assertThatThrownBy(() -> Guardrails.parse(List.of("no-pii-exposure:kinds=secret+email",
                "no-pii-exposure:action=redact,kinds=email+phone+api-key"), clock))
                .hasMessage("no-pii-exposure: api-key+email in two no-pii-exposure guardrails; give each kind to one of them");
        Guardrails ok = Guardrails.parse(List.of("no-pii-exposure:kinds=secret", "no-pii-exposure:action=redact,kinds=email",
                "rate-limiting", "max-message-size:chars=500"), clock);
        assertThat(ok.canonical()).containsExactly("no-pii-exposure:action=block,kinds=private-key+api-key+high-entropy",
                "no-pii-exposure:action=redact,kinds=email",
                "rate-limiting:session=30,session-burst=10,agent=20,agent-burst=5", "max-message-size:chars=500");
    }

    @Test
    void specsOutOfRangeBuiltInCodeAreRefusedToo() {
        assertThatThrownBy(() -> new RateLimitSpec(0, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MessageSizeSpec(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PiiExposureSpec(Action.REFUSE, EnumSet.of(PiiKind.EMAIL)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PiiExposureSpec(Action.BLOCK, EnumSet.noneOf(PiiKind.class)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
