package dev.pilothouse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    @Test
    void noCommandOpensTheConsoleEvenWithADataDir() {
        assertThat(Main.opensConsole(new String[]{})).isTrue();
        assertThat(Main.opensConsole(new String[]{"--data-dir", "/tmp/x"})).isTrue();
        assertThat(Main.opensConsole(new String[]{"--data-dir=/tmp/x"})).isTrue();
        assertThat(Main.opensConsole(new String[]{"--data-dir", "/tmp/x", "sessions", "list"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"--version"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"sessions"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"--context", "lab"})).isTrue();
        assertThat(Main.opensConsole(new String[]{"--context=lab", "--data-dir", "/tmp/x"})).isTrue();
        assertThat(Main.opensConsole(new String[]{"--data-dir", "/tmp/x", "--context"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"--context", "--data-dir", "/tmp/x"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"--context", "lab", "--namespace", "team-a"})).isFalse();
        assertThat(Main.opensConsole(new String[]{"--context", "lab", "sessions", "list"})).isFalse();
        assertThat(dev.pilothouse.cli.HeadlessMain.flag(new String[]{"--data-dir", "/d", "--context=lab"}, "--context")).isEqualTo("lab");
        assertThat(dev.pilothouse.cli.HeadlessMain.flag(new String[]{"--data-dir", "/d"}, "--context")).isNull();
        assertThat(Main.dataDirFlag(new String[]{"--data-dir=/tmp/x"})).isEqualTo("/tmp/x");
    }
}
