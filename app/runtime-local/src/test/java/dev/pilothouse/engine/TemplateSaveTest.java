package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.TemplateParser;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * "Save as template" (issue 14 item 1): a session as a template document, stored, and a session made
 * from it set up as the first was; createFromTemplate lays the given fields over the template's; a
 * remix's guardrails of its own (item 2).
 */
class TemplateSaveTest extends EngineTestBase {

    private void referenceAs(String name) {
        AgentDefinition r = engine.agent("reference");
        engine.createAgent(new AgentDefinition(null, name, r.image(), r.command(), null, null, r.env(), r.port(),
                r.resources(), null, null, null));
    }

    private static final String REPORT = """
            apiVersion: v1
            kind: SessionTemplate
            metadata:
              name: report
            spec:
              agents:
                - name: analyst
                  config:
                    model: small-model
                    temperature: 0.2
                - name: reference
              resources: {cpu: 500m, memory: 2Gi}
              guardrails:
                - no-pii-exposure:action=redact
                - max-message-size:chars=5000
              starting_prompt: "$ echo {{dataset}} at $PILOTHOUSE_CONFIG_TEMPERATURE"
              waiting_timeout_seconds: 900
              ttl_seconds: 7200
              metadata:
                team: "{{team}}"
              parameters:
                - name: dataset
                - name: team
                  default: sales
            """;

    @Test
    void aSessionSavedAsATemplateMakesASessionSetUpAsItWas() {
        referenceAs("analyst");
        engine.applyTemplate(REPORT);
        Session first = engine.createFromTemplate(new TemplateUse("report", null, Map.of("dataset", "q4.csv")),
                null, null, null).session();
        assertThat(first.state()).isEqualTo(SessionState.READY);

        String yaml = engine.templateOf(first.id(), "report-copy");
        SessionTemplate t = TemplateParser.parse(yaml);
        assertThat(t.name()).isEqualTo("report-copy");
        // the config the first session's copies carry apart from the registry; the parameters are filled in
        assertThat(t.agents()).containsExactly(
                new SessionTemplate.Agent("analyst", Map.of("model", "small-model", "temperature", "0.2")),
                new SessionTemplate.Agent("reference", Map.of()));
        assertThat(t.startingPrompt()).isEqualTo("$ echo q4.csv at $PILOTHOUSE_CONFIG_TEMPERATURE");
        assertThat(t.parameters()).isEmpty();
        assertThat(Json.parse(t.metadata()).toString()).isEqualTo("{\"team\":\"sales\"}"); // no template keys
        assertThat(engine.templates()).extracting(x -> x.name()).containsExactly("report"); // nothing stored yet

        Engine.AppliedTemplate applied = engine.applyTemplate(yaml);
        assertThat(applied.stored().version()).isEqualTo(1);
        assertThat(applied.stored().yaml()).isEqualTo(yaml);
        Session second = engine.createFromTemplate(new TemplateUse("report-copy", null, null), null, null, null).session();
        assertThat(second.state()).isEqualTo(SessionState.READY);
        assertThat(second.guardrails()).isEqualTo(first.guardrails());
        assertThat(second.resources()).isEqualTo(first.resources());
        assertThat(second.startingPrompt()).isEqualTo(first.startingPrompt());
        assertThat(second.waitingTimeoutSeconds()).isEqualTo(900);
        assertThat(second.ttlSeconds()).isEqualTo(7200);
        assertThat(second.agents()).extracting(a -> a.name() + "=" + a.model())
                .containsExactly("analyst=small-model", "reference=null");
        assertThat(engine.agentDefinitions(second.id())).extracting(AgentDefinition::env)
                .isEqualTo(engine.agentDefinitions(first.id()).stream().map(AgentDefinition::env).toList());
        var meta = Json.parse(second.metadata());
        assertThat(meta.get("team").asText()).isEqualTo("sales");
        assertThat(meta.get("template").asText()).isEqualTo("report-copy");
        // the same reply to the same prompt: the config reached the agent as it did the first time
        var replies = engine.messages(second.id(), 0, null, 100);
        assertThat(replies.get(replies.size() - 1).content()).contains("q4.csv at 0.2");
    }

    @Test
    void textThatReadsAsAPlaceholderIsKeptAsWritten() {
        Session s = engine.create(CreateRequest.of("braces", "reference").withPrompt("$ echo '{{ not_a_param }}'")
                .withMetadata("{\"note\":\"{{x}} stays\",\"n\":3}"), null).session();
        String yaml = engine.templateOf(s.id(), "braces");
        engine.applyTemplate(yaml);
        CreateRequest r = engine.fromTemplate("braces", null, Map.of());
        assertThat(r.startingPrompt()).isEqualTo("$ echo '{{ not_a_param }}'");
        assertThat(Json.parse(r.metadata()).get("note").asText()).isEqualTo("{{x}} stays");
        assertThat(Json.parse(r.metadata()).get("n").asInt()).isEqualTo(3);
    }

    @Test
    void aBadTemplateNameIsRefusedAndNothingIsStored() {
        Session s = engine.create(CreateRequest.of("plain", "reference"), null).session();
        assertThatThrownBy(() -> engine.templateOf(s.id(), "Bad Name"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("template");
        assertThat(engine.templates()).isEmpty();
    }

    @Test
    void givenFieldsOverTheTemplatesAndNoGuardrailsGivenKeepsTheTemplates() {
        referenceAs("analyst");
        engine.applyTemplate(REPORT);
        CreateRequest over = new CreateRequest("over", null, null, null, null, 60L, null, "{\"owner\":\"me\"}", null,
                List.of("rate-limiting"));
        Session s = engine.createFromTemplate(new TemplateUse("report", 1, Map.of("dataset", "d")), over, null, null)
                .session();
        assertThat(s.name()).isEqualTo("over");
        assertThat(s.waitingTimeoutSeconds()).isEqualTo(60);
        assertThat(s.ttlSeconds()).isEqualTo(7200);
        assertThat(s.guardrails()).singleElement().satisfies(g -> assertThat(g).startsWith("rate-limiting:"));
        var meta = Json.parse(s.metadata());
        assertThat(meta.get("owner").asText()).isEqualTo("me");
        assertThat(meta.has("team")).isFalse();
        assertThat(meta.get("template_version").asInt()).isEqualTo(1);

        Session kept = engine.createFromTemplate(new TemplateUse("report", null, Map.of("dataset", "d")),
                CreateRequest.of("kept").withGuardrails(List.of()).withAgents(null), null, null).session();
        assertThat(kept.guardrails()).hasSize(2);
    }

    @Test
    void aRemixsGuardrailsReplaceItsParentsOrAreInherited() {
        Session parent = engine.create(CreateRequest.of("guarded", "reference")
                .withGuardrails(List.of("no-pii-exposure")), null).session();
        Session inherits = engine.remix(parent.id(), RemixRequest.inherit().named("inherits").copying(false, false), null)
                .session();
        assertThat(inherits.guardrails()).isEqualTo(parent.guardrails());
        Session replaced = engine.remix(parent.id(), RemixRequest.inherit().named("replaced").copying(false, false)
                .withGuardrails(List.of("max-message-size:chars=100")), null).session();
        assertThat(replaced.guardrails()).containsExactly("max-message-size:chars=100");
        Session none = engine.remix(parent.id(), RemixRequest.inherit().named("none").copying(false, false)
                .withGuardrails(List.of()), null).session();
        assertThat(none.guardrails()).isEmpty();
        int before = engine.sessions(true).size();
        assertThatThrownBy(() -> engine.remix(parent.id(), RemixRequest.inherit().named("bad")
                .withGuardrails(List.of("no-pii-exposure:action=delete")), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("action is block or redact");
        assertThat(engine.sessions(true)).hasSize(before);
    }
}
