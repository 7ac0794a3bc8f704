package dev.pilothouse.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The command lines a CLI process hands over unparsed are exactly the engine commands, found as picocli finds them. */
class HandoffTest {
    @Test
    void theListIsEveryEngineCommandAndNothingElse() {
        Set<String> engineCommands = new TreeSet<>();
        collect(Cli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), "", engineCommands);
        assertThat(new TreeSet<>(Handoff.ENGINE_COMMANDS)).isEqualTo(engineCommands);
    }

    @Test
    void engineCommandsAreHandedOverWithTheRootsOptionsAnywhereBeforeThem() {
        assertThat(Handoff.applies(List.of("sessions", "list"))).isTrue();
        assertThat(Handoff.applies(List.of("--data-dir", "/tmp/x", "sessions", "show", "a", "-o", "json"))).isTrue();
        assertThat(Handoff.applies(List.of("--data-dir=/tmp/x", "-ojson", "agents", "list"))).isTrue();
        assertThat(Handoff.applies(List.of("sessions", "--context", "lab", "list", "--selector", "a=b"))).isTrue();
        assertThat(Handoff.applies(List.of("contexts"))).isTrue();
        assertThat(Handoff.applies(List.of("run", "s", "reference", "$ ls"))).isTrue();
        // a parameter that looks like a command name is still the command's parameter
        assertThat(Handoff.applies(List.of("sessions", "send", "s", "store", "check"))).isTrue();
    }

    @Test
    void everythingElseTakesTheFullPath() {
        for (List<String> args : List.of(List.<String>of(), List.of("--version"), List.of("sessions"), List.of("sessions", "lst"),
                List.of("sessions", "list", "--help"), List.of("help", "sessions"), List.of("store", "check"),
                List.of("engine", "status"), List.of("serve"), List.of("--bogus", "sessions", "list"),
                List.of("--data-dir"), List.of("--", "sessions", "list"), List.of("sessions", "send", "s", "-h"))) {
            assertThat(Handoff.applies(args)).as(args.toString()).isFalse();
        }
    }

    @Test
    void theVersionAloneIsAnsweredBesideTheRootsOptionsOnly() {
        for (List<String> args : List.of(List.of("--version"), List.of("-V"), List.of("--data-dir", "/tmp/x", "--version"),
                List.of("--data-dir=/tmp/x", "-ojson", "-V"), List.of("--version", "--context", "lab"))) {
            assertThat(Handoff.asksOnlyVersion(args)).as(args.toString()).isTrue();
        }
        for (List<String> args : List.of(List.<String>of(), List.of("--data-dir", "/tmp/x"), List.of("sessions", "--version"),
                List.of("templates", "show", "t", "--version", "1"), List.of("--bogus", "--version"),
                List.of("--data-dir", "--version"))) {
            assertThat(Handoff.asksOnlyVersion(args)).as(args.toString()).isFalse();
        }
    }

    @Test
    void engineStatusIsRecognisedBesideTheRootsOptionsOnly() {
        for (List<String> args : List.of(List.of("engine", "status"), List.of("--data-dir", "/tmp/x", "engine", "status"),
                List.of("--data-dir=/tmp/x", "-ojson", "engine", "status"), List.of("engine", "--context", "lab", "status"))) {
            assertThat(Handoff.asksEngineStatus(args)).as(args.toString()).isTrue();
        }
        for (List<String> args : List.of(List.of("engine", "stop"), List.of("engine", "status", "--help"),
                List.of("engine", "status", "x"), List.of("--data-dir", "engine", "status"), List.of("status"),
                List.of("engine", "status", "--bogus"))) {
            assertThat(Handoff.asksEngineStatus(args)).as(args.toString()).isFalse();
        }
    }

    private static void collect(CommandLine cl, String prefix, Set<String> into) {
        for (var e : cl.getSubcommands().entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + " " + e.getKey();
            if (e.getValue().getCommand() instanceof EngineCommand) {
                into.add(path);
            }
            collect(e.getValue(), path, into);
        }
    }
}
