package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14, item 2: a session's guardrails, enforced by the engine on real sessions of the reference
 * agent: what the agent received is read from its own history file in the workspace.
 */
class GuardrailSessionTest extends EngineTestBase {
    private static final String EMAIL = "bob.jones@example.org";

    private Session create(String name, String... guardrails) {
        return engine.create(CreateRequest.of(name, "reference").withGuardrails(List.of(guardrails)), null).session();
    }

    /** Everything the reference agent was sent, as it keeps it in its history (empty if it got nothing). */
    private String agentReceived(Session s) throws Exception {
        LocalRuntime local = (LocalRuntime) engine.runtime(s);
        Path history = local.workspace(s.id()).resolve(".pilothouse/history/reference/history.jsonl");
        if (!Files.exists(history)) {
            return "";
        }
        return Files.readAllLines(history).stream().map(Json::parse).filter(n -> n.path("role").asText().equals("user"))
                .map(n -> n.path("content").asText()).collect(Collectors.joining("\n"));
    }

    private List<AuditEvent> guardrailEvents(Session s) {
        return engine.events(s.id(), 0, 1000).stream().filter(e -> e.kind().equals(AuditEvent.GUARDRAIL)).toList();
    }

    /** The whole audit trail and conversation as JSON text: where a leak would show. */
    private String everythingStored(Session s) {
        StringBuilder b = new StringBuilder();
        engine.events(s.id(), 0, 10_000).forEach(e -> b.append(Json.compact(SessionJson.toJson(e))).append('\n'));
        engine.messages(s.id(), 0, null, 10_000).forEach(m -> b.append(Json.compact(SessionJson.toJson(m))).append('\n'));
        b.append(Json.compact(SessionJson.toJson(engine.session(s.id()))));
        return b.toString();
    }

    @Test
    void theSessionStoresItsGuardrailsInCanonicalFormAndARemixInheritsThem() {
        Session s = create("canon", "No-PII-Exposure:kinds=Email+card,action=REDACT", "rate-limiting");
        assertThat(s.guardrails()).containsExactly("no-pii-exposure:action=redact,kinds=card+email",
                "rate-limiting:session=30,session-burst=10,agent=20,agent-burst=5");
        assertThat(engine.session("canon").guardrails()).isEqualTo(s.guardrails());
        JsonNode json = SessionJson.toJson(engine.session("canon"));
        assertThat(json.get("guardrails").get(0).asText()).isEqualTo("no-pii-exposure:action=redact,kinds=card+email");

        Session child = engine.remix("canon", RemixRequest.inherit().named("canon-2"), null).session();
        assertThat(child.guardrails()).isEqualTo(s.guardrails());
        assertThat(engine.session("canon-2").guardrails()).isEqualTo(s.guardrails());
    }

    @Test
    void aBadGuardrailIsBadInputSayingWhatIsAcceptedAndNothingIsStored() {
        assertThatThrownBy(() -> create("bad", "no-pii-exposure:acton=block"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("no-pii-exposure: unknown option \"acton\"; its options are action, kinds");
        assertThatThrownBy(() -> create("bad", "no-pii"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("the guardrails are no-pii-exposure, rate-limiting, max-message-size");
        assertThatThrownBy(() -> create("bad", "rate-limiting", "rate-limiting:session=5"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("given twice");
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void aBlockedPromptNeverReachesTheAgentAndIsAuditedWithoutItsText() throws Exception {
        Session s = create("block", "no-pii-exposure");
        engine.send("block", null, "$ echo first", null);

        assertThatThrownBy(() -> engine.send("block", null, "please mail the report to " + EMAIL, null))
                .isInstanceOfSatisfying(GuardrailException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GuardrailException.Reason.BLOCKED);
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).startsWith("blocked by no-pii-exposure: nothing of this message was sent "
                            + "to the agent; it holds email at 1:27-1:47").doesNotContain(EMAIL);
                });

        assertThat(agentReceived(s)).contains("$ echo first").doesNotContain(EMAIL).doesNotContain("mail the report");
        Session after = fresh(s);
        assertThat(after.state()).isEqualTo(SessionState.READY);
        List<Message> messages = engine.messages("block", 0, null, 100);
        Message blocked = messages.get(messages.size() - 1);
        assertThat(blocked.role()).isEqualTo(Message.Role.USER);
        assertThat(blocked.content()).isEmpty();
        assertThat(blocked.status()).isEqualTo(Message.Status.ERROR);
        assertThat(blocked.error()).startsWith("blocked by no-pii-exposure");
        assertThat(blocked.guard()).isEqualTo(new Message.Guard("blocked", "no-pii-exposure", List.of("email")));

        List<AuditEvent> hits = guardrailEvents(s);
        assertThat(hits).singleElement().satisfies(e -> {
            JsonNode d = Json.parse(e.detail());
            assertThat(d.properties().stream().map(java.util.Map.Entry::getKey).toList())
                    .containsExactly("guardrail", "direction", "kind", "action", "start", "end");
            assertThat(d.get("guardrail").asText()).isEqualTo("no-pii-exposure");
            assertThat(d.get("direction").asText()).isEqualTo("to-agent");
            assertThat(d.get("kind").asText()).isEqualTo("email");
            assertThat(d.get("action").asText()).isEqualTo("block");
            assertThat(d.get("start").asInt()).isEqualTo(26);
            assertThat(d.get("end").asInt()).isEqualTo(26 + EMAIL.length());
            assertThat(e.actor()).isEqualTo("alice");
        });
        assertThat(everythingStored(s)).doesNotContain(EMAIL);
    }

    @Test
    void aRedactedPromptReachesTheAgentRedactedAndIsStoredSo() throws Exception {
        Session s = create("redact", "no-pii-exposure:action=redact");
        SendResult r = engine.send("redact", null, "$ echo 'write to " + EMAIL + "'", null);

        assertThat(agentReceived(s)).contains("$ echo 'write to [REDACTED:email]'").doesNotContain(EMAIL);
        assertThat(r.message().content()).isEqualTo("$ echo 'write to [REDACTED:email]'");
        assertThat(r.message().guard()).isEqualTo(new Message.Guard("redacted", "no-pii-exposure", List.of("email")));
        assertThat(r.reply().content()).contains("write to [REDACTED:email]");
        assertThat(r.reply().status()).isEqualTo(Message.Status.COMPLETE);
        assertThat(engine.messages("redact", 0, null, 10).get(0).guard().summary())
                .isEqualTo("redacted by no-pii-exposure: email");
        assertThat(guardrailEvents(s)).singleElement().satisfies(e ->
                assertThat(Json.parse(e.detail()).get("action").asText()).isEqualTo("redact"));
        assertThat(everythingStored(s)).doesNotContain(EMAIL);
    }

    @Test
    void aStartingPromptIsCheckedBeforeTheSessionIsMade() throws Exception {
        assertThatThrownBy(() -> engine.create(CreateRequest.of("first", "reference").withPrompt("$ echo " + EMAIL)
                .withGuardrails(List.of("no-pii-exposure")), null))
                .isInstanceOf(GuardrailException.class)
                .hasMessageContaining("the starting prompt was not accepted, and no session was created: blocked by "
                        + "no-pii-exposure").hasMessageNotContaining(EMAIL);
        assertThat(engine.sessions(true)).isEmpty();

        Engine.Started started = engine.create(CreateRequest.of("first", "reference").withPrompt("$ echo " + EMAIL)
                .withGuardrails(List.of("no-pii-exposure:action=redact")), null);
        Session s = started.session();
        assertThat(s.startingPrompt()).isEqualTo("$ echo [REDACTED:email]");
        assertThat(started.firstReply().message().guard().verdict()).isEqualTo("redacted");
        assertThat(started.firstReply().reply().content()).contains("[REDACTED:email]");
        assertThat(agentReceived(s)).isEqualTo("$ echo [REDACTED:email]");
        assertThat(everythingStored(s)).doesNotContain(EMAIL);
        assertThat(guardrailEvents(s)).hasSize(1);
    }

    @Test
    void aReplyHoldingASecretIsBlockedBeforeItIsStoredOrShown() {
        Session s = create("reply-block", "no-pii-exposure:kinds=email");
        List<AgentEvent> streamed = new CopyOnWriteArrayList<>();
        // the prompt holds no address (\100 is '@'): the agent's own output does
        SendResult r = engine.send("reply-block", null, "$ printf 'contact: alice\\100example.com\\n'", streamed::add);

        assertThat(r.failed()).isTrue();
        assertThat(r.reply().content()).isEmpty();
        assertThat(r.reply().status()).isEqualTo(Message.Status.ERROR);
        assertThat(r.reply().error()).startsWith("blocked by no-pii-exposure: nothing of this message was shown; it holds email");
        assertThat(r.reply().guard()).isEqualTo(new Message.Guard("blocked", "no-pii-exposure", List.of("email")));
        assertThat(r.session().state()).isEqualTo(SessionState.READY);
        assertThat(streamed).extracting(AgentEvent::text).noneMatch(t -> t != null && t.contains("example.com"));
        assertThat(streamed).extracting(AgentEvent::type).containsExactly(AgentEvent.Type.ERROR);
        assertThat(guardrailEvents(s)).singleElement().satisfies(e -> {
            JsonNode d = Json.parse(e.detail());
            assertThat(d.get("direction").asText()).isEqualTo("to-operator");
            assertThat(d.get("action").asText()).isEqualTo("block");
            assertThat(e.actor()).isEqualTo(Engine.ENGINE_ACTOR);
        });
        assertThat(everythingStored(s)).doesNotContain("alice@example.com");
    }

    @Test
    void aReplyIsHeldWhileItStreamsAndReleasedRedactedEvenWhenTheSecretIsSplitAcrossEvents() {
        Session s = create("reply-redact", "no-pii-exposure:action=redact,kinds=email");
        List<AgentEvent> streamed = new CopyOnWriteArrayList<>();
        SendResult r = engine.send("reply-redact", null,
                "$ printf 'mail alice'; sleep 0.4; printf '\\100example.com now\\n'", streamed::add);

        assertThat(r.failed()).isFalse();
        assertThat(r.reply().content()).contains("mail [REDACTED:email] now").doesNotContain("alice");
        assertThat(r.reply().guard().summary()).isEqualTo("redacted by no-pii-exposure: email");
        String shown = streamed.stream().filter(AgentEvent::carriesReplyText).map(AgentEvent::text).collect(Collectors.joining());
        assertThat(shown).isEqualTo(r.reply().content());
        assertThat(streamed).extracting(AgentEvent::type).endsWith(AgentEvent.Type.DONE);
        assertThat(shown).doesNotContain("alice");
        assertThat(everythingStored(s)).doesNotContain("alice@example.com");
    }

    @Test
    void overTheRateLimitAMessageIsRefusedWithWhenToRetryAndWorksThen() throws Exception {
        Session s = create("rate", "rate-limiting:session=2,session-burst=1,agent=off");
        engine.send("rate", null, "$ echo one", null);
        assertThatThrownBy(() -> engine.send("rate", null, "$ echo two", null))
                .isInstanceOfSatisfying(GuardrailException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GuardrailException.Reason.RATE_LIMITED);
                    assertThat(e.retryAfterSeconds()).isEqualTo(30L);
                    assertThat(e.retryAt()).isEqualTo(clock.instant().plusSeconds(30));
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.getMessage()).isEqualTo("refused by rate-limiting: too many messages: rate-limiting "
                            + "allows 2 a minute to this session, 1 at once; retry in 30 s, at 2026-03-01T09:00:30Z");
                });
        assertThat(agentReceived(s)).contains("$ echo one").doesNotContain("$ echo two");
        Message refused = engine.messages("rate", 0, null, 100).get(2);
        assertThat(refused.guard()).isEqualTo(new Message.Guard("refused", "rate-limiting", List.of("session-rate")));
        assertThat(guardrailEvents(s)).singleElement().satisfies(e ->
                assertThat(Json.parse(e.detail()).get("kind").asText()).isEqualTo("session-rate"));

        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> engine.send("rate", null, "$ echo two", null)).isInstanceOf(GuardrailException.class)
                .hasMessageContaining("retry in 1 s");
        clock.advance(Duration.ofSeconds(1));
        assertThat(engine.send("rate", null, "$ echo two", null).reply().content()).contains("two");
        assertThat(agentReceived(s)).contains("$ echo two");
    }

    @Test
    void aMessageOverTheSizeLimitIsRefusedStatingTheLimit() throws Exception {
        Session s = create("size", "max-message-size:chars=20");
        assertThatThrownBy(() -> engine.send("size", null, "$ echo " + "x".repeat(30), null))
                .isInstanceOfSatisfying(GuardrailException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GuardrailException.Reason.TOO_LARGE);
                    assertThat(e.getMessage()).isEqualTo("refused by max-message-size: the message is 37 characters; "
                            + "max-message-size allows at most 20");
                    assertThat(e.exitCode()).isEqualTo(2);
                });
        assertThat(agentReceived(s)).isEmpty();
        // a reply over the limit is not shown either
        SendResult r = engine.send("size", null, "$ seq 1 40", null);
        assertThat(r.reply().content()).isEmpty();
        assertThat(r.reply().error()).startsWith("refused by max-message-size: the message is");
        assertThat(r.reply().guard().verdict()).isEqualTo("refused");
    }

    @Test
    void deletingASessionForgetsItsRateBuckets() {
        Session s = create("forget", "rate-limiting:session=1,session-burst=1,agent=off");
        engine.send("forget", null, "$ echo one", null);
        assertThat(engine.guards().of(s).check(dev.pilothouse.guardrails.Direction.TO_AGENT, s.id(), "reference", "x"))
                .isInstanceOf(dev.pilothouse.guardrails.Verdict.Refused.class);
        engine.delete("forget");
        // a fresh object for the id: the buckets went with the session
        assertThat(engine.guards().of(s).check(dev.pilothouse.guardrails.Direction.TO_AGENT, s.id(), "reference", "x"))
                .isInstanceOf(dev.pilothouse.guardrails.Verdict.Allowed.class);
    }
}
