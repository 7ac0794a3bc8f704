package dev.pilothouse.console;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.TemplateUse;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.template.StoredTemplate;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 items 1 and 2 in the console: New session from a template with its parameters as fields,
 * the guardrail fields, and "Save as template…" from the session table (looked at in
 * target/snapshots/templates-*.png).
 */
class TemplatesUiTest extends ConsoleTestBase {
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
              resources: {cpu: 500m, memory: 2Gi}
              guardrails:
                - no-pii-exposure:action=redact
                - rate-limiting:session=60
              starting_prompt: "$ echo analysing {{dataset}} for {{team}} at $PILOTHOUSE_CONFIG_TEMPERATURE"
              waiting_timeout_seconds: 900
              metadata:
                team: "{{team}}"
              parameters:
                - name: dataset
                  description: the file to analyse
                - name: team
                  default: sales
                  description: who reads the report
            """;

    private void referenceAs(String name) {
        AgentDefinition r = engine().agent("reference");
        engine().createAgent(new AgentDefinition(null, name, r.image(), r.command(), null, null, r.env(), r.port(),
                r.resources(), null, null, null));
    }

    private boolean createDisabled() {
        return onFx(() -> lookup("#create").query().isDisabled());
    }

    private String text(String query) {
        return onFx(() -> {
            Node n = lookup(query).query();
            return n instanceof Label l ? l.getText() : n instanceof TextField f ? f.getText()
                    : ((TextArea) n).getText();
        });
    }

    private void openNewSessionWithTemplate(String template) {
        awaitReady();
        clickOn("#new-session");
        await().atMost(Duration.ofSeconds(10)).until(() -> onFx(() ->
                lookup("#template-choice").<ComboBox<String>>query().getItems().contains(template)));
        interact(() -> lookup("#template-choice").<ComboBox<String>>query().getSelectionModel().select(template));
    }

    @Test
    void aSessionFromATemplateGetsItsParametersFromTheDialogAndARequiredOneLeftEmptyKeepsCreateDisabled() {
        awaitReady();
        referenceAs("analyst");
        engine().applyTemplate(REPORT);
        openNewSessionWithTemplate("report");

        // each parameter a labelled field: the default as prompt text, the description as a tooltip and under it
        TextField dataset = lookup("#param-dataset").query();
        TextField team = lookup("#param-team").query();
        assertThat(dataset.getPromptText()).isEqualTo("required");
        assertThat(team.getPromptText()).isEqualTo("default: sales");
        assertThat(onFx(() -> team.getTooltip()).getText()).isEqualTo("who reads the report (default: sales)");
        assertThat(text("#template-info")).startsWith("Version 1 · agents analyst.");
        // the template's values fill the fields; its guardrails are ticked with their options
        assertThat(text("#waiting")).isEqualTo("900");
        assertThat(text("#cpu")).isEqualTo("500m");
        assertThat(onFx(() -> lookup("#guard-no-pii-exposure").<CheckBox>query().isSelected())).isTrue();
        assertThat(text("#guard-rate-limiting-options")).isEqualTo("session=60");
        assertThat(onFx(() -> lookup("#guard-max-message-size").<CheckBox>query().isSelected())).isFalse();

        // the required parameter is empty: Create stays disabled, and the dialog says why
        await().until(this::createDisabled);
        assertThat(text("#template-message")).isEqualTo("Fill in dataset (the file to analyse): the template has no "
                + "default for it.");
        assertThat(text("#prompt")).contains("{{dataset}}");
        snapshot(lookup("#template-choice").query().getScene().getRoot(), "templates-new-session-required.png");

        clickOn("#param-dataset").write("q4.csv");
        await().until(() -> !createDisabled());
        assertThat(text("#template-message")).isEmpty();
        // the prompt shown is the one that will be sent
        assertThat(text("#prompt")).isEqualTo("$ echo analysing q4.csv for sales at $PILOTHOUSE_CONFIG_TEMPERATURE");
        clickOn("#session-name").write("from-template");
        snapshot(lookup("#template-choice").query().getScene().getRoot(), "templates-new-session.png");
        clickOn("#create");

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Session s = shownRow("from-template");
            return s != null && s.state() == SessionState.READY && s.owner() == null;
        });
        Session s = engine().session("from-template");
        assertThat(s.startingPrompt()).isEqualTo("$ echo analysing q4.csv for sales at $PILOTHOUSE_CONFIG_TEMPERATURE");
        assertThat(s.agents()).extracting(a -> a.name() + "=" + a.model()).containsExactly("analyst=small-model");
        assertThat(s.waitingTimeoutSeconds()).isEqualTo(900);
        assertThat(s.resources().cpu()).isEqualTo("500m");
        assertThat(s.guardrails()).hasSize(2);
        assertThat(s.guardrails().get(1)).startsWith("rate-limiting:session=60,");
        var meta = Json.parse(s.metadata());
        assertThat(meta.get("team").asText()).isEqualTo("sales");
        assertThat(meta.get("template").asText()).isEqualTo("report");
        // the template's per-agent config reached the agent: its reply to the prompt
        await().atMost(Duration.ofSeconds(30)).until(() -> engine().messages(s.id(), 0, null, 100).stream()
                .anyMatch(m -> m.content().contains("analysing q4.csv for sales at 0.2")));
    }

    @Test
    void theGuardrailFieldsAreCheckedWithTheEnginesParserAndReachTheSession() {
        awaitReady();
        interact(() -> lookup("#theme-toggle").<javafx.scene.control.ToggleButton>query().setSelected(true)); // dark
        clickOn("#new-session");
        await().until(() -> !createDisabled());
        clickOn("#guard-max-message-size");
        clickOn("#guard-max-message-size-options").write("chars=lots");
        await().until(this::createDisabled);
        assertThat(text("#guardrails-message")).contains("max-message-size").contains("chars");
        snapshot(lookup("#guardrails-message").query().getScene().getRoot(), "templates-guardrail-error-dark.png");
        interact(() -> lookup("#guard-max-message-size-options").<TextField>query().setText("chars=100"));
        clickOn("#guard-no-pii-exposure");
        await().until(() -> !createDisabled());
        assertThat(text("#guardrails-message")).isEmpty();
        clickOn("#session-name").write("guarded-ui");
        clickOn("#create");
        await().atMost(Duration.ofSeconds(60)).until(() -> shownRow("guarded-ui") != null
                && shownRow("guarded-ui").state() == SessionState.READY);
        assertThat(engine().session("guarded-ui").guardrails()).containsExactly(
                "no-pii-exposure:action=block,kinds=all", "max-message-size:chars=100");
    }

    @Test
    void aSessionSavedAsATemplateFromTheTableMakesAnEquivalentSession() {
        awaitReady();
        referenceAs("analyst");
        engine().applyTemplate(REPORT);
        Session first = engine().createFromTemplate(new TemplateUse("report", null, Map.of("dataset", "q1.csv")),
                CreateRequest.of("first").withAgents(null), null, null).session();
        await().atMost(Duration.ofSeconds(30)).until(() -> shownRow("first") != null
                && shownRow("first").state() == SessionState.READY);
        await().untilAsserted(() -> clickRow("first"));
        awaitPaneIsSelection("first");
        // the table's context menu, as a right click shows it: the item enabled for one session, then chosen
        javafx.scene.control.ContextMenu menu = onFx(() -> table().getContextMenu());
        interact(() -> menu.show(window.stage()));
        javafx.scene.control.MenuItem item = onFx(() -> menu.getItems().stream()
                .filter(i -> "menu-save-template".equals(i.getId())).findFirst().orElseThrow());
        assertThat(item.getText()).isEqualTo("Save as template…");
        assertThat(onFx(item::isDisable)).isFalse();
        interact(() -> {
            item.fire();
            menu.hide();
        });

        // the session's name proposed; the name of an existing template is said to make its next version
        await().atMost(Duration.ofSeconds(10)).until(() -> text("#template-yaml").contains("name: first"));
        assertThat(onFx(() -> lookup("#template-yaml").<TextArea>query().isEditable())).isFalse();
        interact(() -> lookup("#template-name").<TextField>query().setText("report"));
        await().until(() -> text("#template-version-note").equals("A template named 'report' exists (version 1): "
                + "saving makes this its version 2; sessions keep the version they were made from."));
        interact(() -> lookup("#template-name").<TextField>query().setText("Report Copy"));
        await().until(() -> text("#template-name-message").contains("template"));
        assertThat(onFx(() -> lookup("#save-template").query().isDisabled())).isTrue();
        interact(() -> lookup("#template-name").<TextField>query().setText("report-copy"));
        await().atMost(Duration.ofSeconds(10)).until(() -> text("#template-yaml").contains("name: report-copy")
                && !onFx(() -> lookup("#save-template").query().isDisabled()));
        assertThat(text("#template-version-note")).isEqualTo("A new template: version 1.");
        String preview = text("#template-yaml");
        assertThat(preview).contains("model: small-model").contains("temperature: 0.2")
                .contains("starting_prompt: $ echo analysing q1.csv for sales at $PILOTHOUSE_CONFIG_TEMPERATURE");
        snapshot(lookup("#template-yaml").query().getScene().getRoot(), "templates-save.png");
        clickOn("#save-template");

        await().atMost(Duration.ofSeconds(10)).until(() -> engine().templates().stream()
                .anyMatch(t -> t.name().equals("report-copy")));
        StoredTemplate stored = engine().template("report-copy", null);
        assertThat(stored.yaml()).isEqualTo(preview); // what was shown is what was stored
        Session second = engine().createFromTemplate(new TemplateUse("report-copy", null, null),
                CreateRequest.of("second").withAgents(null), null, null).session();
        assertThat(second.state()).isEqualTo(SessionState.READY);
        assertThat(second.agents()).isEqualTo(first.agents().stream()
                .map(a -> new dev.pilothouse.session.SessionAgent(a.id(), a.name(), a.model(), a.image())).toList());
        assertThat(second.startingPrompt()).isEqualTo(first.startingPrompt());
        assertThat(second.guardrails()).isEqualTo(first.guardrails());
        assertThat(second.resources()).isEqualTo(first.resources());
        assertThat(second.waitingTimeoutSeconds()).isEqualTo(first.waitingTimeoutSeconds());
        assertThat(second.ttlSeconds()).isEqualTo(first.ttlSeconds());
        assertThat(Json.parse(second.metadata()).get("team")).isEqualTo(Json.parse(first.metadata()).get("team"));
        assertThat(engine().agentDefinitions(second.id()).get(0).env())
                .isEqualTo(engine().agentDefinitions(first.id()).get(0).env());
        assertThat(List.of(first.name(), second.name())).containsExactly("first", "second");
    }
}
