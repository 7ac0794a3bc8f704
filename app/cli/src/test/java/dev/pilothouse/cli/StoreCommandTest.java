package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.store.Store;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pilothouse store ...}: exit codes and messages. */
class StoreCommandTest {
    @TempDir
    Path dataDir;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(dataDir);
    }

    private void ok(String... args) {
        CliRunner.Result r = cli.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    }

    @Test
    void checkBackupAndListOnAHealthyStore() {
        CliRunner.Result fresh = cli.run("store", "check");
        assertThat(fresh.exit()).as(fresh.err()).isZero();
        assertThat(fresh.out()).contains("status     NEW").contains("(none yet)");

        ok("agents", "create", "helper", "--command", "python3 agent.py");
        CliRunner.Result check = cli.run("store", "check");
        assertThat(check.exit()).as(check.err()).isZero();
        assertThat(check.out()).contains("status     OK").contains("commits    database 1, store.seq 1")
                .contains("closed cleanly").contains("AGENTS 4").contains("every row read");

        CliRunner.Result backup = cli.run("store", "backup");
        assertThat(backup.exit()).as(backup.err()).isZero();
        assertThat(backup.out()).startsWith("backed up the store (commit 1) to " + dataDir.resolve("backups"));

        Path mine = dataDir.resolve("mine.zip");
        ok("store", "backup", mine.toString());
        assertThat(mine).isRegularFile();

        CliRunner.Result list = cli.run("store", "backups");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("FILE").contains("-seq1.zip");
        JsonNode json = Json.parse(cli.run("store", "backups", "-o", "json").out());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("seq").asLong()).isEqualTo(1);

        JsonNode report = Json.parse(cli.run("store", "check", "-o", "json").out());
        assertThat(report.get("status").asText()).isEqualTo("ok");
        assertThat(report.get("db_seq").asLong()).isEqualTo(1);
        assertThat(report.get("recorded_seq").asLong()).isEqualTo(1);
        assertThat(report.get("tables").get("AGENTS").asLong()).isEqualTo(4);
        assertThat(report.get("backups")).hasSize(1);
        assertThat(report.get("advice").isNull()).isTrue();
    }

    @Test
    void aStoreThatLostWritesIsRefusedAndRestoredFromTheCli() throws Exception {
        ok("agents", "create", "first", "--command", "a");
        ok("store", "backup");
        Path old = dataDir.resolve("old.mv.db");
        Files.copy(dataDir.resolve(Store.FILE), old);
        ok("agents", "create", "second", "--command", "b");
        Files.copy(old, dataDir.resolve(Store.FILE), StandardCopyOption.REPLACE_EXISTING);

        CliRunner.Result refused = cli.run("agents", "list");
        assertThat(refused.exit()).isEqualTo(1);
        String backup = cli.run("store", "backups", "-o", "json").out();
        String backupFile = Json.parse(backup).get(0).get("file").asText();
        assertThat(refused.err()).startsWith("error: the store in " + dataDir.toAbsolutePath() + " was not opened: "
                + "it lost committed writes: the database file holds commit 1 but store.seq records commit 2")
                .contains("pilothouse store restore --data-dir " + dataDir.toAbsolutePath() + " " + backupFile);

        CliRunner.Result check = cli.run("store", "check");
        assertThat(check.exit()).isEqualTo(1);
        assertThat(check.out()).contains("status     LOST_WRITES").contains("pilothouse store restore");

        CliRunner.Result unconfirmed = cli.run("store", "restore", backupFile);
        assertThat(unconfirmed.exit()).isEqualTo(2);
        assertThat(unconfirmed.err()).contains("add --yes to confirm");

        CliRunner.Result restored = cli.run("store", "restore", Path.of(backupFile).getFileName().toString(), "--yes");
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.out()).contains("(commit 1)").contains("the previous database file is now "
                + dataDir.toAbsolutePath().resolve("pilothouse.mv.db.damaged-"));

        CliRunner.Result agents = cli.run("agents", "list");
        assertThat(agents.exit()).as(agents.err()).isZero();
        assertThat(agents.out()).contains("first").doesNotContain("second");
        ok("store", "check");
    }

    @Test
    void badInputExitsTwoAndTheStoreInUseExitsOne() {
        ok("agents", "list");
        CliRunner.Result missing = cli.run("store", "restore", "no-such.zip", "--yes");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("BACKUP: no-such.zip is not a file nor a backup in");

        CliRunner.Result accept = cli.run("store", "accept");
        assertThat(accept.exit()).isEqualTo(2);
        assertThat(accept.err()).contains("add --yes to confirm");

        ok("store", "backup");
        String backupFile = Json.parse(cli.run("store", "backups", "-o", "json").out()).get(0).get("file").asText();
        try (Store open = Store.open(dataDir)) {
            CliRunner.Result busy = cli.run("store", "restore", backupFile, "--yes");
            assertThat(busy.exit()).isEqualTo(1);
            assertThat(busy.err()).isEqualTo("error: the data dir " + dataDir.toAbsolutePath() + " is in use by this "
                    + "process (" + ProcessHandle.current().pid() + "); close the console / stop the engine (`pilothouse engine stop`) first\n");
            CliRunner.Result check = cli.run("store", "check");
            assertThat(check.exit()).isEqualTo(1);
            assertThat(check.out()).contains("status     IN_USE");
        }
    }
}
