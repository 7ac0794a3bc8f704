package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14 item 1: seed 001's template applied and used for real sessions of the reference agent
 * (registered under the seed's agent names), its parameters, versions and per-agent config.
 */
class TemplateSessionTest extends EngineTestBase {

    static String seed() throws Exception {
        try (InputStream in = TemplateSessionTest.class.getResourceAsStream("/templates/seed-001.yaml")) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        // the core module's test resource, read from the source tree
        return java.nio.file.Files.readString(java.nio.file.Path.of("../core/src/test/resources/templates/seed-001.yaml"));
    }

    /** A copy of the reference agent under another name. */
    private void referenceAs(String name) {
        AgentDefinition r = engine.agent("reference");
        engine.createAgent(new AgentDefinition(null, name, r.image(), r.command(), null, null, r.env(), r.port(),
                r.resources(), null, null, null));
    }

    @Test
    void theSeedsTemplateNamesAgentsNotDefinedUntilTheyAreAndThenStartsARealSession() throws Exception {
        Engine.AppliedTemplate applied = engine.applyTemplate(seed());
        assertThat(applied.stored().name()).isEqualTo("data-analysis-template");
        assertThat(applied.stored().version()).isEqualTo(1);
        assertThat(applied.stored().yaml()).isEqualTo(seed());
        assertThat(applied.missingAgents()).containsExactly("data-analyzer", "chart-generator");

        assertThatThrownBy(() -> engine.fromTemplate("data-analysis-template", null, Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("template 'data-analysis-template' names agents that are not defined: "
                        + "data-analyzer, chart-generator; define each first with `pilothouse agents create NAME");
        assertThat(engine.sessions(true)).isEmpty();

        referenceAs("data-analyzer");
        referenceAs("chart-generator");
        assertThat(engine.applyTemplate(seed()).missingAgents()).isEmpty();

        CreateRequest r = engine.fromTemplate("data-analysis-template", null, Map.of());
        Session s = engine.create(r.withTimeouts(null, null), null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(s.agents()).extracting(a -> a.name() + "=" + a.model())
                .containsExactly("data-analyzer=gpt-4", "chart-generator=null");
        assertThat(s.resources().cpu()).isEqualTo("2");
        assertThat(s.resources().memory()).isEqualTo("4Gi");
        assertThat(s.guardrails()).hasSize(2);
        assertThat(s.guardrails().get(0)).startsWith("no-pii-exposure");
        assertThat(s.guardrails().get(1)).startsWith("rate-limiting");
        var meta = Json.parse(s.metadata());
        assertThat(meta.get("template").asText()).isEqualTo("data-analysis-template");
        assertThat(meta.get("template_version").asInt()).isEqualTo(2);

        // the model reaches the agent: the reference agent runs a "$ " command in its environment
        SendResult reply = engine.send(s.id(), "data-analyzer", "$ echo model=$PILOTHOUSE_MODEL", null);
        assertThat(reply.failed()).isFalse();
        assertThat(lastReply(s)).contains("model=gpt-4");
        reply = engine.send(s.id(), "chart-generator", "$ echo model=[$PILOTHOUSE_MODEL]", null);
        assertThat(lastReply(s)).contains("model=[]");
    }

    private String lastReply(Session s) {
        var messages = engine.messages(s.id(), 0, null, 1000);
        return messages.get(messages.size() - 1).content();
    }

    @Test
    void parametersFillThePromptAndMetadataAndOtherConfigBecomesEnvironment() {
        referenceAs("analyst");
        String yaml = """
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
                  starting_prompt: "$ echo prompt for {{dataset}} at $PILOTHOUSE_CONFIG_TEMPERATURE"
                  waiting_timeout_seconds: 900
                  metadata:
                    team: "{{team}}"
                  parameters:
                    - name: dataset
                      description: the file to analyse
                    - name: team
                      default: sales
                """;
        engine.applyTemplate(yaml);
        assertThatThrownBy(() -> engine.fromTemplate("report", null, Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("needs parameter dataset (the file to analyse)");
        assertThatThrownBy(() -> engine.fromTemplate("report", null, Map.of("dataset", "x", "owner", "me")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("template 'report' has no parameter 'owner'; its parameters are dataset, team");

        Engine.Started started = engine.create(engine.fromTemplate("report", null, Map.of("dataset", "q4.csv")), null);
        Session s = started.session();
        assertThat(started.failed()).isFalse();
        assertThat(s.startingPrompt()).isEqualTo("$ echo prompt for q4.csv at $PILOTHOUSE_CONFIG_TEMPERATURE");
        assertThat(s.waitingTimeoutSeconds()).isEqualTo(900);
        assertThat(Json.parse(s.metadata()).get("team").asText()).isEqualTo("sales");
        assertThat(s.agents().get(0).model()).isEqualTo("small-model");
        assertThat(lastReply(s)).contains("prompt for q4.csv at 0.2");
        // the registry's definition is untouched: only this session's copy has the template's config
        assertThat(engine.agent("analyst").model()).isNull();
    }

    @Test
    void applyingANameAgainMakesANewVersionAndEachCanBeRead() throws Exception {
        String v1 = seed();
        String v2 = v1.replace("memory: 4Gi", "memory: 8Gi");
        engine.applyTemplate(v1);
        engine.applyTemplate(v2);
        assertThat(engine.templates()).singleElement().satisfies(t -> assertThat(t.version()).isEqualTo(2));
        assertThat(engine.template("data-analysis-template", null).yaml()).isEqualTo(v2);
        assertThat(engine.template("data-analysis-template", 1).yaml()).isEqualTo(v1);
        assertThatThrownBy(() -> engine.template("data-analysis-template", 7))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("template 'data-analysis-template' has no version 7; its versions are [1, 2]");
        engine.deleteTemplate("data-analysis-template");
        assertThat(engine.templates()).isEmpty();
        assertThatThrownBy(() -> engine.template("data-analysis-template", null))
                .isInstanceOf(NotFoundException.class)
                .hasMessageStartingWith("no template named 'data-analysis-template'");
        assertThatThrownBy(() -> engine.applyTemplate(v1.replace("kind: SessionTemplate", "kind: Template")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("template line 3, column 7: kind: kind 'Template' is not a template; write kind: SessionTemplate");
        assertThat(engine.templates()).isEmpty();
    }
}
