package dev.pilothouse.template;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** "Save as template": what a session's copies of its agents set apart from the registry, and a document that reads back. */
class TemplateWriterTest {
    private static AgentDefinition def(String name, String model, String instructions, Map<String, String> env) {
        return new AgentDefinition("id-" + name, name, null, List.of("agent"), model, instructions, env, 8080,
                Resources.DEFAULT, null, null, null);
    }

    private static Session session(String prompt, String metadata, List<String> guardrails) {
        Instant t = Instant.parse("2026-12-04T00:00:00Z");
        return new Session("s1", "s", "local", "default", prompt, SessionState.READY, Phase.RUNNING, 600, 3600,
                metadata, List.of(new SessionAgent("id-a", "a", "m2", null)), new Resources("2", "4Gi", "10Gi"),
                guardrails, null, "me", t, t, t, null, null, null, null, 1);
    }

    @Test
    void configIsWhatTheCopySetsApartFromTheRegisteredDefinition() {
        AgentDefinition registered = def("a", "m1", "be brief", Map.of("PILOTHOUSE_CONFIG_SAME", "1", "OTHER", "x"));
        AgentDefinition copy = def("a", "m2", "be brief", Map.of("PILOTHOUSE_CONFIG_SAME", "1", "OTHER", "x",
                "PILOTHOUSE_CONFIG_TEMPERATURE", "0.2", "PILOTHOUSE_CONFIG_MAX_TOKENS", "100"));
        assertThat(TemplateWriter.config(copy, registered))
                .containsExactly(Map.entry("model", "m2"), Map.entry("max_tokens", "100"), Map.entry("temperature", "0.2"));
        // an agent no longer registered keeps everything its copy was told
        assertThat(TemplateWriter.config(def("a", "m1", "be brief", Map.of()), null))
                .containsExactly(Map.entry("model", "m1"), Map.entry("instructions", "be brief"));
        assertThat(TemplateWriter.config(registered, registered)).isEmpty();
    }

    @Test
    void theDocumentReadsBackWithEveryFieldAndBracesKeptAsWritten() {
        Session s = session("say {{ hi }}", "{\"team\":\"{{t}}\",\"template\":\"old\",\"template_version\":3}",
                List.of("max-message-size:chars=10"));
        String yaml = TemplateWriter.write("copy", s, List.of(def("a", "m2", null, Map.of())),
                Map.of("a", def("a", "m1", null, Map.of())));
        SessionTemplate t = TemplateParser.parse(yaml);
        assertThat(t.name()).isEqualTo("copy");
        assertThat(t.agents()).containsExactly(new SessionTemplate.Agent("a", Map.of("model", "m2")));
        assertThat(t.resources()).isEqualTo(new Resources("2", "4Gi", "10Gi"));
        assertThat(t.guardrails()).containsExactly("max-message-size:chars=10");
        assertThat(t.waitingTimeoutSeconds()).isEqualTo(600);
        assertThat(t.ttlSeconds()).isEqualTo(3600);
        TemplateParser.Resolved r = TemplateParser.resolve(t, Map.of());
        assertThat(r.startingPrompt()).isEqualTo("say {{ hi }}");
        assertThat(r.metadata()).isEqualTo("{\"team\":\"{{t}}\"}"); // the template keys are the new session's to set
    }

    @Test
    void aBadNameIsRefusedSayingWhatIsAccepted() {
        Session s = session("", "{}", List.of());
        assertThatThrownBy(() -> TemplateWriter.write("Bad_Name", s, List.of(def("a", null, null, Map.of())), Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("template");
    }
}
