package dev.pilothouse.cli;

import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.store.Store;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad input: a clear error on stderr saying what was wrong and what is accepted,
 * exit code 2, and the store exactly as it was.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    @TempDir
    static Path dataDir;
    CliRunner cli;
    String purgedId;

    @BeforeAll
    void sessionsToTryThingsOn() {
        cli = new CliRunner(dataDir);
        assertThat(cli.run("sessions", "create", "ready-one", "--agent", "reference").exit()).isZero();
        assertThat(cli.run("sessions", "create", "idle-one", "--agent", "reference").exit()).isZero();
        assertThat(cli.run("sessions", "pause", "idle-one").exit()).isZero();
        assertThat(cli.run("sessions", "create", "gone", "--agent", "reference").exit()).isZero();
        purgedId = Json.parse(cli.run("sessions", "show", "gone", "-o", "json").out()).get("id").asText();
        assertThat(cli.run("sessions", "delete", "gone").exit()).isZero();
        assertThat(cli.run("sessions", "purge", purgedId, "--yes").exit()).isZero();
        assertThat(cli.run("agents", "create", "other", "--command", "true").exit()).isZero();
    }

    @org.junit.jupiter.api.AfterAll
    void stopAgents() {
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            r.volumes().forEach(r::stop);
        }
    }

    /** A file for an argument, removed when the test JVM ends (the arguments are made before any temporary directory). */
    private static Path file(String prefix, String suffix, String content) throws java.io.IOException {
        Path f = Files.createTempFile(prefix, suffix);
        f.toFile().deleteOnExit();
        return Files.writeString(f, content);
    }

    static Stream<Arguments> badInputs() throws Exception {
        Path big = file("prompt", ".txt", "x".repeat(70_000));
        Path huge = file("prompt", ".txt", "x".repeat(300_000));
        Path someDir = Files.createTempDirectory("not-a-file");
        someDir.toFile().deleteOnExit();
        Path message = file("message", ".txt", "$ echo from a file");
        Path aliasYaml = file("agent", ".yaml", "name: aliased\ncommand: [true]\nenv: &common\n  TONE: formal\nresources: *common\n");
        Path duplicateYaml = file("agent", ".yaml", "name: twice\ncommand: [true]\nport: 9000\nport: 9001\n");
        Path twoDocuments = file("agent", ".yaml", "name: first\ncommand: [true]\n---\nname: second\ncommand: [true]\n");
        Path unknownKey = file("agent", ".yaml", "name: typo\ncommand: [true]\nreply_timeout: 30\n");
        Path wordTimeout = file("agent", ".yaml", "name: slow\ncommand: [true]\nreply_timeout_seconds: ten\n");
        Path trailingJson = file("agent", ".json", "{\"name\": \"trailing\", \"command\": [\"true\"]} extra");
        return Stream.of(
                Arguments.of("a mistyped option beside a missing required one", new String[]{"sessions", "create", "x10",
                        "--agnt", "reference"}, "Unknown option: '--agnt'; did you mean --agent?"),
                Arguments.of("metadata with trailing text", new String[]{"sessions", "create", "x11", "--agent", "reference",
                        "--metadata", "{\"a\":1} xyz"}, "there is text after the end of the value, at line 1, column 8 ('xyz')"),
                Arguments.of("metadata with a second object", new String[]{"sessions", "create", "x12", "--agent", "reference",
                        "--metadata", "{\"a\":1}{\"b\":2}"}, "there is text after the end of the value"),
                Arguments.of("metadata with a duplicate key", new String[]{"sessions", "create", "x13", "--agent", "reference",
                        "--metadata", "{\"a\":1,\"a\":2}"}, "the key 'a' is given twice"),
                Arguments.of("update metadata with trailing text", new String[]{"sessions", "update", "ready-one",
                        "--metadata", "{\"a\":1} xyz"}, "give one JSON object, each key once"),
                Arguments.of("update meta value that is broken JSON", new String[]{"sessions", "update", "ready-one",
                        "--meta", "tags={\"a\":1,\"a\":2}"}, "metadata value of 'tags' looks like JSON but is not valid"),
                Arguments.of("prompt file is a directory", new String[]{"sessions", "create", "x14", "--agent", "reference",
                        "--prompt-file", someDir.toString()}, "--prompt-file: '" + someDir + "' is a directory; give a file"),
                Arguments.of("prompt file far too large", new String[]{"sessions", "create", "x15", "--agent", "reference",
                        "--prompt-file", huge.toString()}, "the limit is 65536 characters"),
                Arguments.of("agent file is a directory", new String[]{"agents", "create", "-f", someDir.toString()},
                        "--file: '" + someDir + "' is a directory"),
                Arguments.of("agent file with a YAML alias", new String[]{"agents", "create", "-f", aliasYaml.toString()},
                        "line 5 uses the YAML alias *common; aliases (and the anchors they point to) are not accepted"),
                Arguments.of("agent file with a key twice", new String[]{"agents", "create", "-f", duplicateYaml.toString()},
                        "the key 'port' is given twice"),
                Arguments.of("agent file with an unknown key", new String[]{"agents", "create", "-f", unknownKey.toString()},
                        "unknown field [reply_timeout]; accepted: name, command, image, model, instructions, env, port, "
                                + "resources, reply_timeout_seconds"),
                Arguments.of("agent file with a reply time limit in words", new String[]{"agents", "create", "-f",
                        wordTimeout.toString()}, "field 'reply_timeout_seconds' must be a whole number of seconds"),
                Arguments.of("agent file with two documents", new String[]{"agents", "create", "-f", twoDocuments.toString()},
                        "more than one document"),
                Arguments.of("agent JSON file with trailing text", new String[]{"agents", "create", "-f", trailingJson.toString()},
                        "there is more than one document"),
                Arguments.of("message file is a directory", new String[]{"sessions", "send", "ready-one", "--message-file",
                        someDir.toString()}, "--message-file: '" + someDir + "' is a directory"),
                Arguments.of("message and message file", new String[]{"sessions", "send", "ready-one", "hi", "--message-file",
                        message.toString()}, "either as MESSAGE or with --message-file, not both"),
                Arguments.of("no message at all", new String[]{"sessions", "send", "ready-one"}, "no message: give it as MESSAGE"),
                Arguments.of("run message file is a directory", new String[]{"run", "reference", "--message-file",
                        someDir.toString(), "--session", "new-one"}, "is a directory"),
                Arguments.of("run without a message", new String[]{"run", "reference", "--session", "new-one"}, "no message"),
                Arguments.of("invalid name", new String[]{"sessions", "create", "Has Spaces", "--agent", "reference"},
                        "lowercase letters, digits or '-'"),
                Arguments.of("uuid-like name", new String[]{"sessions", "create", "123e4567-e89b-42d3-a456-426614174000", "--agent", "reference"},
                        "has the form of an id"),
                Arguments.of("duplicate name", new String[]{"sessions", "create", "ready-one", "--agent", "reference"},
                        "a live session named 'ready-one' already exists"),
                Arguments.of("unknown agent", new String[]{"sessions", "create", "x1", "--agent", "nobody"},
                        "registered agents: [ollama-assistant, openai-assistant, other, reference]"),
                Arguments.of("agent twice", new String[]{"sessions", "create", "x2", "--agent", "reference", "--agent", "reference"},
                        "given twice"),
                Arguments.of("no agent", new String[]{"sessions", "create", "x3"}, "give the session's agents with --agent "
                        + "NAME (repeatable), or --template NAME"),
                Arguments.of("an unknown template", new String[]{"sessions", "create", "x3", "--template", "nope"},
                        "no template named 'nope'"),
                Arguments.of("a parameter without a template", new String[]{"sessions", "create", "x3", "--agent",
                        "reference", "--param", "a=b"}, "--param needs --template NAME"),
                Arguments.of("oversized prompt", new String[]{"sessions", "create", "x4", "--agent", "reference", "--prompt-file", big.toString()},
                        "the limit is 65536 characters"),
                Arguments.of("prompt file missing", new String[]{"sessions", "create", "x5", "--agent", "reference", "--prompt-file", "/nonexistent/p.txt"},
                        "no such file"),
                Arguments.of("metadata not JSON", new String[]{"sessions", "create", "x6", "--agent", "reference", "--metadata", "{project: q4"},
                        "metadata is not valid JSON"),
                Arguments.of("metadata not an object", new String[]{"sessions", "create", "x7", "--agent", "reference", "--metadata", "[1,2]"},
                        "metadata must be a JSON object"),
                Arguments.of("bad duration", new String[]{"sessions", "create", "x8", "--agent", "reference", "--ttl", "forever"},
                        "invalid duration 'forever'"),
                Arguments.of("timeout out of range", new String[]{"sessions", "create", "x9", "--agent", "reference", "--waiting-timeout", "0"},
                        "accepted: 1 to 2592000 seconds"),
                Arguments.of("bad quantity", new String[]{"sessions", "create", "x10", "--agent", "reference", "--memory", "lots"},
                        "positive Kubernetes quantity"),
                Arguments.of("unknown session", new String[]{"sessions", "show", "nope"}, "no session 'nope'"),
                Arguments.of("unknown id", new String[]{"sessions", "show", "123e4567-e89b-42d3-a456-426614174000"}, "no session"),
                Arguments.of("send empty", new String[]{"sessions", "send", "ready-one", ""}, "message is empty"),
                Arguments.of("send to unknown agent", new String[]{"sessions", "send", "ready-one", "hi", "--agent", "ghost"},
                        "has no agent 'ghost'"),
                Arguments.of("pause an idle session", new String[]{"sessions", "pause", "idle-one"}, "already IDLE"),
                Arguments.of("resume a ready session", new String[]{"sessions", "resume", "ready-one"}, "only an IDLE session can be resumed"),
                Arguments.of("retry a ready session", new String[]{"sessions", "retry", "ready-one"}, "only a session in ERROR"),
                Arguments.of("purge a live session", new String[]{"sessions", "purge", "ready-one", "--yes"}, "delete it first"),
                Arguments.of("purge without --yes", new String[]{"sessions", "purge", "ready-one"}, "add --yes"),
                Arguments.of("remix a purged session", new String[]{"sessions", "remix", "PURGED"}, "was purged"),
                Arguments.of("update nothing", new String[]{"sessions", "update", "ready-one"}, "nothing to update"),
                Arguments.of("rename to a taken name", new String[]{"sessions", "update", "idle-one", "--name", "ready-one"},
                        "already exists"),
                Arguments.of("bad meta flag", new String[]{"sessions", "update", "ready-one", "--meta", "novalue"}, "KEY=VALUE"),
                Arguments.of("remove the last agent", new String[]{"sessions", "update", "ready-one", "--remove-agent", "reference"},
                        "a session needs at least one agent"),
                Arguments.of("add an unknown agent", new String[]{"sessions", "update", "ready-one", "--add-agent", "ghost"},
                        "no agent named 'ghost'; registered agents: ["),
                Arguments.of("add an agent already there", new String[]{"sessions", "update", "idle-one", "--add-agent", "reference"},
                        "already in session 'idle-one'"),
                Arguments.of("remove an agent not there", new String[]{"sessions", "update", "idle-one", "--remove-agent", "other"},
                        "has no such agent; its agents: [reference]"),
                Arguments.of("update with a bad memory quantity", new String[]{"sessions", "update", "idle-one", "--memory", "lots"},
                        "invalid memory 'lots'"),
                Arguments.of("unknown context", new String[]{"--context", "prod-eu", "sessions", "list"}, "unknown context 'prod-eu'"),
                Arguments.of("bad output format", new String[]{"sessions", "list", "-o", "xml"}, "table, json, yaml"),
                Arguments.of("unknown command", new String[]{"sessions", "explode"}, "its commands: list, create, show"),
                Arguments.of("a group without its command", new String[]{"sessions"},
                        "`pilothouse sessions` needs a command: list, create, show"),
                Arguments.of("only options", new String[]{"--namespace", "team-a"},
                        "`pilothouse` needs a command: contexts, engine, agents, sessions"),
                Arguments.of("a word too many", new String[]{"sessions", "remix", "ready-one", "s2"},
                        "unexpected argument 's2': `pilothouse sessions remix` takes PARENT (quote text that has spaces)"),
                Arguments.of("bad state filter", new String[]{"sessions", "list", "--state", "SLEEPING"}, "INIT, READY, IDLE, BUSY, ERROR"),
                Arguments.of("agent without command or image", new String[]{"agents", "create", "empty"}, "needs a command"),
                Arguments.of("agent duplicate", new String[]{"agents", "create", "reference", "--command", "true"}, "already exists"),
                Arguments.of("agent reserved env", new String[]{"agents", "create", "a1", "--command", "true", "--env", "PILOTHOUSE_X=1"},
                        "reserved"),
                Arguments.of("agent bad port", new String[]{"agents", "create", "a2", "--command", "true", "--port", "70000"},
                        "accepted: 1 to 65535"),
                Arguments.of("agent unbalanced quote", new String[]{"agents", "create", "a3", "--command", "python3 'agent.py"},
                        "unbalanced"),
                Arguments.of("run with unknown agent", new String[]{"run", "ghost", "hello", "--session", "new-one"},
                        "no agent named 'ghost'"),
                Arguments.of("run into a session without that agent", new String[]{"run", "other", "hi", "--session", "ready-one"},
                        "has no agent 'other'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void isRefusedWithExitTwoAndChangesNothing(String what, String[] args, String expected) {
        String[] resolved = Stream.of(args).map(a -> a.equals("PURGED") ? purgedId : a).toArray(String[]::new);
        String before = snapshot();
        CliRunner.Result r = cli.run(resolved);
        assertThat(r.exit()).as(what + ": " + r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: ").contains(expected);
        assertThat(snapshot()).as("store unchanged by: " + what).isEqualTo(before);
    }

    @Test
    void unknownAgentYamlFieldsAndBadYamlAreRefused() throws Exception {
        Path yaml = dataDir.resolve("agent.yaml");
        Files.writeString(yaml, "name: [unclosed\n");
        String before = snapshot();
        CliRunner.Result r = cli.run("agents", "create", "-f", yaml.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("not valid YAML or JSON");
        Files.writeString(yaml, "name: yamly\ncommand: 42\n");
        r = cli.run("agents", "create", "-f", yaml.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("field 'command' must be");
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Everything the store holds that an operator could lose: sessions, versions, agents, audit, messages. */
    private String snapshot() {
        try (Store store = Store.open(dataDir)) {
            return store.read(tx -> {
                StringBuilder b = new StringBuilder();
                tx.listSessions(null, true).forEach(s -> b.append(s).append('\n')
                        .append(tx.auditEvents(s.id(), 0, 10_000).size()).append('/')
                        .append(tx.countMessages(s.id())).append('\n'));
                tx.listAgents(true).forEach(a -> b.append(a).append('\n'));
                return b.toString();
            });
        }
    }
}
