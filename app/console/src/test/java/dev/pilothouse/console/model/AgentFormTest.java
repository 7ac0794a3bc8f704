package dev.pilothouse.console.model;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.CommandLineWords;
import dev.pilothouse.session.Resources;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain JUnit, no toolkit: the Agents form reports every problem at once and refuses port 0. */
class AgentFormTest {

    @Test
    void everyProblemAtOnce() {
        AgentForm.Result r = AgentForm.check(new AgentForm.Input("Bad Name", "", "not an image!", "", "0",
                "OK=1\nno-equals\nPILOTHOUSE_X=1", ""), Set.of(), null);
        assertThat(r.ok()).isFalse();
        assertThat(r.draft()).isNull();
        assertThat(r.problems()).containsOnlyKeys(AgentForm.NAME, AgentForm.IMAGE, AgentForm.PORT, AgentForm.ENV);
        assertThat(AgentForm.check(new AgentForm.Input("ok", "", "", "", "", "", ""), Set.of(), null).problems())
                .as("a command or an image").containsOnlyKeys(AgentForm.COMMAND);
        assertThat(r.problems().get(AgentForm.PORT)).contains("Port 0").contains("1 to 65535");
        assertThat(r.problems().get(AgentForm.ENV)).contains("line 2").contains("line 3").contains("reserved");
    }

    @Test
    void aBlankPortIsTheDefaultAndTakenNamesAreRefusedExceptTheOneEdited() {
        AgentForm.Input in = new AgentForm.Input("helper", "python3 agent.py --flag 'two words'", "", "", "", "A=b", "hi");
        AgentForm.Result r = AgentForm.check(in, Set.of("reference"), null);
        assertThat(r.ok()).isTrue();
        assertThat(r.draft().port()).isEqualTo(AgentDefinition.DEFAULT_PORT);
        assertThat(r.draft().command()).containsExactly("python3", "agent.py", "--flag", "two words");
        assertThat(r.draft().env()).isEqualTo(Map.of("A", "b"));
        assertThat(AgentForm.check(in, Set.of("helper"), null).problems()).containsKey(AgentForm.NAME);
        assertThat(AgentForm.check(in, Set.of("helper"), "helper").ok()).isTrue();
        assertThat(AgentForm.check(new AgentForm.Input("x", "run", "", "", "70000", "", ""), Set.of(), null).problems())
                .containsKey(AgentForm.PORT);
    }

    @Test
    void aDefinitionFillsTheFormAndComesBackTheSame() {
        AgentDefinition a = new AgentDefinition("id", "helper", "ghcr.io/acme/a:1", List.of("sh", "-c", "echo it's $HOME"),
                "gpt", "be brief", Map.of("K", "v=w"), 9000, new Resources(null, null, null), null, null, null);
        AgentForm.Input in = AgentForm.of(a);
        assertThat(CommandLineWords.split(in.command())).isEqualTo(a.command());
        AgentDefinition back = AgentForm.check(in, Set.of("helper"), "helper").draft();
        assertThat(back.command()).isEqualTo(a.command());
        assertThat(back.env()).isEqualTo(a.env());
        assertThat(back.port()).isEqualTo(9000);
        assertThat(back.image()).isEqualTo(a.image());
        assertThat(back.instructions()).isEqualTo("be brief");
    }
}
