package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.testing.SmallDisk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A store that cannot write (a full disk, a damaged file): a reply is reported done only once it
 * is stored; otherwise exit 1 with the reason, and the session is left consistent. And a reply
 * longer than a stored message holds is stored cut and marked so.
 */
class StoreFailureTest {
    @TempDir
    Path dir;
    Path dataDir;
    SmallDisk disk;

    @AfterEach
    void stopAgentsAndUnmount() throws Exception {
        if (dataDir != null) {
            try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
                r.volumes().forEach(r::stop);
            }
        }
        if (disk != null) {
            disk.close();
        }
    }

    /** A 3 MB tmpfs to hold the data dir; the test is skipped where it cannot be mounted (not root). */
    private Path smallDisk() throws Exception {
        disk = SmallDisk.mount(dir);
        return disk.path().resolve("data");
    }

    private void deleteFills() throws Exception {
        try (Stream<Path> files = Files.walk(dataDir.resolve("sessions"))) {
            for (Path fill : files.filter(p -> p.getFileName().toString().equals("fill")).toList()) {
                Files.delete(fill);
            }
        }
    }

    /**
     * The same under an engine that stays up (serve, the console): once there is space again, its
     * session handler puts the session right by itself, without waiting for a command or a restart.
     */
    @Test
    void aLongLivedEnginePutsTheSessionRightOnceTheDiskHasSpaceAgain() throws Exception {
        dataDir = smallDisk();
        EngineHost host = EngineHost.open(EngineConfig.of(dataDir).withBackground(true), () -> new Runtimes(dataDir),
                EngineHost.Kind.SERVE, Duration.ZERO);
        try {
            CliRunner cli = new CliRunner(dataDir);
            assertThat(cli.run("sessions", "create", "t1", "--agent", "reference").exit()).isZero();
            CliRunner.Result r = cli.run("sessions", "send", "t1",
                    "$ head -c 10M /dev/zero > fill; echo wrote; head -c 300000 /dev/zero | tr '\\0' y");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("could not be stored").contains("No space left on device");

            deleteFills();
            Engine engine = host.engine();
            await().atMost(Duration.ofSeconds(60)).until(() -> engine.session("t1").state() == SessionState.READY);
            assertThat(engine.messages("t1", 0, null, 100)).filteredOn(m -> m.role() == Message.Role.AGENT)
                    .singleElement().satisfies(m -> {
                        assertThat(m.status()).isEqualTo(Message.Status.ERROR);
                        assertThat(m.error()).contains("before the reply was stored");
                    });
            CliRunner.Result again = cli.run("sessions", "send", "t1", "$ echo again");
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out()).contains("again");
        } finally {
            host.close();
        }
    }

    @Test
    void onAFullDiskAReplyThatCannotBeStoredExitsOneAndTheSessionIsPutRight() throws Exception {
        dataDir = smallDisk();
        CliRunner cli = new CliRunner(dataDir);
        assertThat(cli.run("sessions", "create", "t1", "--agent", "reference").exit()).isZero();

        // the reply (300 kB) cannot fit in the free pages of the store's file: it needs disk space there is not
        CliRunner.Result r = cli.run("sessions", "send", "t1",
                "$ head -c 10M /dev/zero > fill; echo wrote; head -c 300000 /dev/zero | tr '\\0' y");
        assertThat(r.out()).as("the reply streamed as it came").contains("wrote");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("error: the reply from agent 'reference' arrived").contains("could not be stored")
                .contains("No space left on device");

        CliRunner.Result create = cli.run("sessions", "create", "t2", "--agent", "reference");
        assertThat(create.exit()).as("nothing else claims success on the full disk: " + create.out()).isEqualTo(1);
        assertThat(create.err()).contains("No space left on device");

        deleteFills();
        CliRunner.Result listed = cli.run("sessions", "messages", "t1", "-o", "json");
        assertThat(listed.exit()).as("the store opens again once there is space: " + listed.err()).isZero();
        JsonNode messages = Json.parse(listed.out());
        List<String> agentReplies = new ArrayList<>();
        messages.forEach(m -> {
            if (m.get("role").asText().equals("agent")) {
                agentReplies.add(m.get("status").asText() + ": " + m.get("error").asText());
            }
        });
        assertThat(agentReplies).as("no reply is recorded as complete that was not stored").hasSize(1);
        assertThat(agentReplies.get(0)).startsWith("error: ").contains("before the reply was stored");
        assertThat(Json.parse(cli.run("sessions", "show", "t1", "-o", "json").out()).get("state").asText())
                .isEqualTo("READY");
        CliRunner.Result again = cli.run("sessions", "send", "t1", "$ echo again");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("again");
    }

    /** A store that refuses the reply's row (injected with a trigger): exit 1, the reason, READY, the failure recorded. */
    @Test
    void aReplyTheStoreRefusesIsReportedAndRecordedInItsPlace() throws Exception {
        dataDir = dir.resolve("data");
        CliRunner cli = new CliRunner(dataDir);
        assertThat(cli.run("sessions", "create", "s1", "--agent", "reference").exit()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("pilothouse")
                + ";AUTO_SERVER=TRUE", "pilothouse", "")) {
            c.createStatement().execute("CREATE TRIGGER store_fault BEFORE INSERT ON messages FOR EACH ROW CALL '"
                    + StoreFault.class.getName() + "'");
        }
        CliRunner.Result r = cli.run("sessions", "send", "s1", "$ echo STORE-FAULT");
        assertThat(r.out()).contains("STORE-FAULT");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("error: the reply from agent 'reference' arrived").contains("could not be stored")
                .contains("injected: the disk refused the write");

        JsonNode messages = Json.parse(cli.run("sessions", "messages", "s1", "-o", "json").out());
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.get("role").asText()).isEqualTo("agent");
        assertThat(last.get("status").asText()).isEqualTo("error");
        assertThat(last.get("error").asText()).contains("could not be stored");
        assertThat(last.get("content").asText()).doesNotContain("STORE-FAULT");
        assertThat(Json.parse(cli.run("sessions", "show", "s1", "-o", "json").out()).get("state").asText())
                .isEqualTo("READY");
        CliRunner.Result again = cli.run("sessions", "send", "s1", "$ echo fine");
        assertThat(again.exit()).as(again.err()).isZero();
    }

    @Test
    void aReplyLongerThanAStoredMessageIsStoredCutAndMarkedTruncated() {
        dataDir = dir.resolve("data");
        CliRunner cli = new CliRunner(dataDir);
        assertThat(cli.run("sessions", "create", "big", "--agent", "reference").exit()).isZero();
        // the reference agent sends 1 MiB of output: more than the 1,000,000 characters a message keeps
        CliRunner.Result r = cli.run("sessions", "send", "big", "$ head -c 2000000 /dev/zero | tr '\\0' x");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).as("all of it streamed").contains("x".repeat(1024 * 1024));
        assertThat(r.err()).containsPattern("warning: the reply was \\d+ characters; only the first 1000000 are stored");

        JsonNode reply = Json.parse(cli.run("sessions", "messages", "big", "-o", "json").out()).get(1);
        assertThat(reply.get("status").asText()).isEqualTo("truncated");
        assertThat(reply.get("truncated").asBoolean()).isTrue();
        assertThat(reply.get("content").asText()).hasSize(1_000_000);
        assertThat(reply.get("error").asText()).contains("only the first 1000000 are stored");
        assertThat(cli.run("sessions", "messages", "big").out())
                .containsPattern("#\\d+ reference \\(.*\\) \\[truncated: the reply was \\d+ characters");
    }

    /** Fails the insert of any message whose content holds STORE-FAULT, as a full disk would. */
    public static final class StoreFault implements org.h2.api.Trigger {
        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            if (newRow != null && String.valueOf(newRow[4]).contains("STORE-FAULT") && "AGENT".equals(newRow[2])) {
                throw new SQLException("injected: the disk refused the write");
            }
        }
    }
}
