package dev.pilothouse.template;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 14 item 1: the SessionTemplate document, seed 001's exactly as written, and every bad input's message. */
class TemplateParserTest {

    static String seed() throws IOException {
        try (InputStream in = TemplateParserTest.class.getResourceAsStream("/templates/seed-001.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void refused(String yaml, String message) {
        assertThatThrownBy(() -> TemplateParser.parse(yaml)).isInstanceOf(InvalidInputException.class)
                .hasMessage(message);
    }

    private static final String HEAD = "apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: t\nspec:\n";

    @Test
    void theSeedsTemplateIsAcceptedExactlyAsWritten() throws IOException {
        SessionTemplate t = TemplateParser.parse(seed());
        assertThat(t.name()).isEqualTo("data-analysis-template");
        assertThat(t.agents()).containsExactly(new SessionTemplate.Agent("data-analyzer", Map.of("model", "gpt-4")),
                new SessionTemplate.Agent("chart-generator", Map.of()));
        assertThat(t.resources()).isEqualTo(new Resources("2", "4Gi", null));
        assertThat(t.guardrails()).containsExactly("no-pii-exposure", "rate-limiting");
        assertThat(t.startingPrompt()).isNull();
        assertThat(t.parameters()).isEmpty();
    }

    @Test
    void optionalFieldsAndParametersAreReadAndSubstituted() {
        SessionTemplate t = TemplateParser.parse(HEAD + """
                  agents:
                    - name: a
                      config: {model: m1, temperature: 0.2}
                  starting_prompt: "Analyse {{dataset}} for {{ team }}"
                  waiting_timeout_seconds: 600
                  ttl_seconds: 7200
                  metadata:
                    project: "{{team}}-q4"
                    fixed: 3
                  parameters:
                    - name: dataset
                      description: the file to read
                    - name: team
                      default: sales
                """);
        assertThat(t.waitingTimeoutSeconds()).isEqualTo(600L);
        assertThat(t.ttlSeconds()).isEqualTo(7200L);
        assertThat(t.agents().get(0).config()).containsEntry("temperature", "0.2");
        assertThat(t.parameters()).containsExactly(new SessionTemplate.Parameter("dataset", null, "the file to read"),
                new SessionTemplate.Parameter("team", "sales", null));

        TemplateParser.Resolved r = TemplateParser.resolve(t, Map.of("dataset", "q4.csv"));
        assertThat(r.startingPrompt()).isEqualTo("Analyse q4.csv for sales");
        assertThat(Json.parse(r.metadata()).get("project").asText()).isEqualTo("sales-q4");
        assertThat(Json.parse(r.metadata()).get("fixed").asInt()).isEqualTo(3);
        r = TemplateParser.resolve(t, Map.of("dataset", "$1 {{x}}", "team", "ops"));
        assertThat(r.startingPrompt()).isEqualTo("Analyse $1 {{x}} for ops");

        assertThatThrownBy(() -> TemplateParser.resolve(t, Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("template 't' needs parameter dataset (the file to read); give it with --param NAME=VALUE "
                        + "(or \"parameters\": {...} in the API)");
        assertThatThrownBy(() -> TemplateParser.resolve(t, Map.of("dataset", "x", "colour", "red")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("template 't' has no parameter 'colour'; its parameters are dataset, team");
    }

    @Test
    void syntaxErrorsNameTheLineAndColumn() {
        assertThatThrownBy(() -> TemplateParser.parse(HEAD + "  agents:\n    - name: a\n   bad: [\n"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("the template is not valid YAML: ")
                .hasMessageContaining("line 8");
        refused(HEAD + "  agents:\n    - name: a\n    - name: a\n",
                "template line 8, column 13: spec.agents[1].name: agent 'a' is listed twice (also at line 7, column 13); "
                        + "each agent once per template");
        assertThatThrownBy(() -> TemplateParser.parse(HEAD + "  agents:\n    - name: a\n  agents: []\n"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("the key 'agents' is given twice (line 8");
    }

    @Test
    void unknownKeysAreNamedWithTheAcceptedOnes() {
        refused(HEAD + "  agents:\n    - name: a\n  resorces:\n    cpu: 1\n",
                "template line 8, column 3: unknown key 'resorces' in spec; accepted: agents, resources, guardrails, "
                        + "starting_prompt, waiting_timeout_seconds, ttl_seconds, metadata, parameters");
        refused(HEAD + "  agents:\n    - name: a\n      modle: x\n",
                "template line 8, column 7: unknown key 'modle' in spec.agents[0]; accepted: name, config");
        refused(HEAD + "  agents:\n    - name: a\n  startingPrompt: hi\n",
                "template line 8, column 3: unknown key 'startingPrompt' in spec (did you mean 'starting_prompt'?); "
                        + "accepted: agents, resources, guardrails, starting_prompt, waiting_timeout_seconds, ttl_seconds, "
                        + "metadata, parameters");
        refused("apiVersion: v1\nkind: SessionTemplate\nmetadata:\n  name: t\n  labels: {}\nspec:\n  agents: [{name: a}]\n",
                "template line 5, column 3: unknown key 'labels' in metadata; accepted: name");
        refused(HEAD + "  agents: [{name: a}]\n  resources: {cpu: 1, gpu: 1}\n",
                "template line 7, column 23: unknown key 'gpu' in spec.resources; accepted: cpu, memory, storage");
        refused(HEAD + "  agents: [{name: a}]\n  parameters: [{name: p, value: 1}]\n",
                "template line 7, column 26: unknown key 'value' in spec.parameters[0]; accepted: name, default, description");
        refused("apiVersion: v1\nkind: SessionTemplate\nmetadata: {name: t}\nspec: {agents: [{name: a}]}\nstatus: {}\n",
                "template line 5, column 1: unknown key 'status' at the top; accepted: apiVersion, kind, metadata, spec");
    }

    @Test
    void wrongKindOrVersionAndMissingPartsAreSaidPlainly() {
        refused("apiVersion: v2\nkind: SessionTemplate\nmetadata: {name: t}\nspec: {agents: [{name: a}]}\n",
                "template line 1, column 13: apiVersion: apiVersion 'v2' is not supported; write apiVersion: v1");
        refused("apiVersion: v1\nkind: Pod\nmetadata: {name: t}\nspec: {agents: [{name: a}]}\n",
                "template line 2, column 7: kind: kind 'Pod' is not a template; write kind: SessionTemplate");
        refused("apiVersion: v1\nmetadata: {name: t}\nspec: {agents: [{name: a}]}\n",
                "template line 1, column 1: 'kind' is missing");
        refused("apiVersion: v1\nkind: SessionTemplate\nmetadata: {name: t}\n",
                "template: 'spec' is missing; a SessionTemplate needs a spec with agents (see docs/templates.md)");
        refused(HEAD + "  agents: []\n", "template line 6, column 11: spec.agents: a template needs at least one agent");
        refused(HEAD + "  agents:\n    - data-analyzer\n",
                "template line 7, column 7: spec.agents[0]: an agent is a mapping with a name; write '- name: data-analyzer'");
        refused("- a\n- b\n", "template line 1, column 1: the document must be a SessionTemplate mapping with apiVersion, "
                + "kind, metadata and spec (found a list)");
        refused("  \n", "the template is empty; give a SessionTemplate document (apiVersion: v1, kind: SessionTemplate, "
                + "metadata.name, spec.agents), see docs/templates.md");
        refused("apiVersion: v1\nkind: SessionTemplate\nmetadata: {name: 'Bad Name'}\nspec: {agents: [{name: a}]}\n",
                "template line 3, column 18: metadata.name: " + messageOf(() -> dev.pilothouse.session.Validation.name(
                        "template", "Bad Name")));
    }

    @Test
    void badValuesAreRefusedWhereTheyAre() {
        refused(HEAD + "  agents: [{name: a}]\n  guardrails: [no-pii-exposure:acton=block]\n",
                "template line 7, column 16: spec.guardrails[0]: no-pii-exposure: unknown option \"acton\"; its options "
                        + "are action, kinds");
        refused(HEAD + "  agents: [{name: a}]\n  guardrails: [pii]\n",
                "template line 7, column 16: spec.guardrails[0]: unknown guardrail \"pii\"; the guardrails are "
                        + "no-pii-exposure, rate-limiting, max-message-size");
        refused(HEAD + "  agents: [{name: a}]\n  guardrails: [rate-limiting, rate-limiting]\n",
                "template line 7, column 31: spec.guardrails[1]: guardrail 'rate-limiting' is listed twice (items 1 and 2); "
                        + "give it once, with all its options");
        refused(HEAD + "  agents: [{name: a}]\n  ttl_seconds: 1h\n",
                "template line 7, column 16: spec.ttl_seconds: expected a whole number of seconds, found '1h'");
        refused(HEAD + "  agents: [{name: a}]\n  resources: {memory: lots}\n",
                "template line 7, column 23: spec.resources.memory: " + messageOf(() -> dev.pilothouse.session.Validation
                        .quantity("memory", "lots")));
        refused(HEAD + "  agents:\n    - name: a\n      config:\n        model: [a, b]\n",
                "template line 9, column 16: spec.agents[0].config.model: config value 'model' must be a single value "
                        + "(text, number or true/false), not a list");
        refused(HEAD + "  agents: [{name: a}]\n  starting_prompt: 'hi {{who}}'\n",
                "template line 7, column 20: spec.starting_prompt: {{who}} names no parameter; declare it under "
                        + "spec.parameters (- name: who)");
        refused(HEAD + "  agents: [{name: a}]\n  parameters: [{name: x}]\n  metadata: {owner: '{{y}}'}\n",
                "template line 8, column 21: spec.metadata.owner: {{y}} names no parameter; the parameters are x "
                        + "(declare more under spec.parameters)");
        refused(HEAD + "  agents: [{name: a}]\n  parameters: [{name: x}, {name: x}]\n",
                "template line 7, column 34: spec.parameters[1].name: parameter 'x' is declared twice");
        refused(HEAD + "  agents: [{name: a}]\n  metadata: [1]\n",
                "template line 7, column 13: spec.metadata: metadata must be a mapping of keys to values, e.g. project: q4 "
                        + "(found a list)");
        assertThatThrownBy(() -> TemplateParser.parse(HEAD + "  agents: &x [{name: a}]\n  more: *x\n"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("alias");
    }

    @Test
    void configOtherThanModelAndInstructionsBecomesEnvironment() {
        var def = new dev.pilothouse.agent.AgentDefinition("id", "a", null, List.of("x"), "base-model", null,
                Map.of("KEEP", "1"), 8080, null, null, null, null);
        var applied = TemplateConfig.apply(def, Map.of("model", "gpt-4", "top-p", "0.9"));
        assertThat(applied.model()).isEqualTo("gpt-4");
        assertThat(applied.env()).containsEntry("KEEP", "1").containsEntry("PILOTHOUSE_CONFIG_TOP_P", "0.9");
        assertThat(TemplateConfig.apply(def, Map.of())).isSameAs(def);
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error");
    }
}
