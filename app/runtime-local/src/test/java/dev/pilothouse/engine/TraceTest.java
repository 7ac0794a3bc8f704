package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.session.AgentRequest;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 15, item 4: every event an agent streams is kept with its time; the requests are listed with how they went. */
class TraceTest extends EngineTestBase {

    @Test
    void aRepliesEventsAreKeptInOrderWithTheirTimesAndTheRequestLogPairsEachMessageWithItsReply() {
        engine.create(CreateRequest.of("traced", "reference"), null);
        // the engine's clock moves 1.5 s while the reply streams: the latency is the engine's own measure
        AtomicBoolean moved = new AtomicBoolean();
        SendResult r = engine.send("traced", null, "$ echo first; sleep 0.3; echo second", ev -> {
            if (moved.compareAndSet(false, true)) {
                clock.advance(Duration.ofMillis(1500));
            }
        });
        List<TraceEvent> trace = engine.trace("traced", r.reply().id());

        assertThat(trace).isNotEmpty();
        assertThat(trace).extracting(TraceEvent::seq).isEqualTo(java.util.stream.IntStream.range(0, trace.size()).boxed().toList());
        assertThat(trace).extracting(TraceEvent::atMillis).isSorted();
        TraceEvent last = trace.get(trace.size() - 1);
        assertThat(last.type()).isEqualTo(AgentEvent.Type.DONE);
        assertThat(last.exitCode()).isZero();
        // the stored reply is the text of its events, in order
        assertThat(trace.stream().filter(e -> e.type() == AgentEvent.Type.DELTA || e.type() == AgentEvent.Type.TOOL_OUTPUT)
                .map(TraceEvent::text).collect(Collectors.joining())).isEqualTo(r.reply().content());
        // the times are real arrival times: the second line cannot arrive before the command's 0.3 s
        // sleep, counted from the send (the gap between the two lines also depends on when the first
        // one was read, which a busy machine delays: not a bound)
        TraceEvent first = trace.stream().filter(e -> e.text() != null && e.text().contains("first")).findFirst().orElseThrow();
        TraceEvent second = trace.stream().filter(e -> e.text() != null && e.text().contains("second")).findFirst().orElseThrow();
        assertThat(second.atMillis()).isGreaterThanOrEqualTo(300);
        assertThat(second.seq()).isGreaterThan(first.seq());
        assertThat(first.stream()).isEqualTo("stdout");

        engine.send("traced", null, "hello", null);
        List<AgentRequest> requests = engine.requests("traced", null);
        assertThat(requests).hasSize(2);
        AgentRequest one = requests.get(0);
        assertThat(one.messageId()).isEqualTo(r.message().id());
        assertThat(one.replyId()).isEqualTo(r.reply().id());
        assertThat(one.agent()).isEqualTo("reference");
        assertThat(one.latencyMillis()).isEqualTo(1500);
        assertThat(one.firstEventMillis()).isEqualTo(trace.get(0).atMillis());
        assertThat(one.events()).isEqualTo(trace.size());
        assertThat(one.sentChars()).isEqualTo(r.message().content().length());
        assertThat(one.replyChars()).isEqualTo(r.reply().content().length());
        assertThat(one.status()).isEqualTo(Message.Status.COMPLETE);
        assertThat(engine.requests("traced", "reference")).hasSize(2);

        assertThatThrownBy(() -> engine.requests("traced", "nobody")).isInstanceOf(InvalidInputException.class)
                .hasMessage("session 'traced' has no agent 'nobody'; its agents: reference");
        assertThatThrownBy(() -> engine.trace("traced", 999_999)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("has no message #999999");
        assertThatThrownBy(() -> engine.trace("traced", r.message().id())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a reply");
    }

    @Test
    void aReplyTheGuardrailsChangedKeepsItsEventsTimingAndSizeButNotTheirText() {
        engine.create(CreateRequest.of("guarded", "reference").withGuardrails(List.of("no-pii-exposure:action=redact")), null);
        // the address is made by the command, so the prompt itself holds none
        SendResult r = engine.send("guarded", null, "$ printf 'mail bob.jones'; printf '@example.org'", null);
        assertThat(r.reply().content()).contains("[REDACTED:email]").doesNotContain("bob.jones@example.org");

        List<TraceEvent> trace = engine.trace("guarded", r.reply().id());
        assertThat(trace).isNotEmpty();
        assertThat(trace).allSatisfy(e -> assertThat(e.text()).isNull());
        assertThat(trace.stream().filter(e -> e.type() == AgentEvent.Type.TOOL_OUTPUT).mapToInt(TraceEvent::chars).sum())
                .isEqualTo("mail bob.jones@example.org".length());
    }

    @Test
    void theTimelineMergesTheAuditTrailTheConversationAndTheStreamedEventsInOrder() {
        engine.create(CreateRequest.of("history", "reference"), null);
        clock.advance(Duration.ofSeconds(5));
        SendResult r = engine.send("history", null, "$ echo step", null);
        clock.advance(Duration.ofSeconds(5));
        engine.pause("history");

        List<dev.pilothouse.session.TimelineEntry> t = engine.timeline("history");
        assertThat(t).extracting(dev.pilothouse.session.TimelineEntry::at).isSorted();
        List<String> kinds = t.stream().map(dev.pilothouse.session.TimelineEntry::kind).toList();
        assertThat(kinds).containsSubsequence("created", "transition", "message", "stream", "reply", "transition");
        assertThat(t).filteredOn(e -> e.kind().equals("transition")).extracting(dev.pilothouse.session.TimelineEntry::summary)
                .anyMatch(x -> x.startsWith("INIT → READY")).anyMatch(x -> x.startsWith("READY → IDLE"));
        dev.pilothouse.session.TimelineEntry message = t.stream().filter(e -> e.kind().equals("message")).findFirst().orElseThrow();
        assertThat(message.summary()).isEqualTo("message to reference: $ echo step");
        assertThat(message.detail().get("id").asLong()).isEqualTo(r.message().id());
        List<dev.pilothouse.session.TimelineEntry> streamed = t.stream().filter(e -> e.kind().equals("stream")).toList();
        assertThat(streamed).hasSize(engine.trace("history", r.reply().id()).size());
        // each streamed event sits at its message's time plus the event's offset
        assertThat(streamed.get(0).at()).isEqualTo(message.at().plusMillis(streamed.get(0).detail().get("at_ms").asLong()));
        assertThat(streamed.get(0).detail().get("message_id").asLong()).isEqualTo(r.reply().id());
    }
}
