package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 2 through the CLI: sessions files, cp both ways (a file and a folder), rm. */
class WorkspaceCliTest extends LocalCliTestBase {
    @TempDir
    Path local;
    Path ws;

    @BeforeEach
    void session() throws Exception {
        CliRunner.Result created = cli.run("sessions", "create", "box", "--agent", "reference");
        assertThat(created.exit()).as(created.err()).isZero();
        String id = Json.parse(cli.run("sessions", "show", "box", "-o", "json").out()).get("id").asText();
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            ws = r.workspace(id);
        }
        Files.createDirectories(ws.resolve("out/charts"));
        Files.writeString(ws.resolve("out/report.md"), "# report\n");
        Files.writeString(ws.resolve("out/charts/a.svg"), "<svg/>");
    }

    @Test
    void filesListsAFolderOrOneFileAsATableOrJson() {
        CliRunner.Result table = cli.run("sessions", "files", "box", "out");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out().lines().toList()).hasSize(3).first().asString().startsWith("TYPE");
        assertThat(table.out()).containsPattern("directory +- +\\S+ ago +charts/").containsPattern("file +9 +\\S+ ago +report.md");
        JsonNode one = Json.parse(cli.run("sessions", "files", "box", "out/report.md", "-o", "json").out());
        assertThat(one).hasSize(1);
        assertThat(one.get(0).get("path").asText()).isEqualTo("out/report.md");
        assertThat(one.get(0).get("type").asText()).isEqualTo("file");
        assertThat(one.get(0).get("size").asLong()).isEqualTo(9);

        CliRunner.Result escape = cli.run("sessions", "files", "box", "../..");
        assertThat(escape.exit()).isEqualTo(2);
        assertThat(escape.err()).contains("error: path '../..' leads out of the workspace ('..' is not accepted)");
        CliRunner.Result missing = cli.run("sessions", "files", "box", "nope");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("no file or folder 'nope' in the workspace");
    }

    @Test
    void cpCopiesFilesAndFoldersBothWaysAndRmDeletesWithRecursiveForFolders() throws Exception {
        CliRunner.Result file = cli.run("sessions", "cp", "box:out/report.md", local.toString());
        assertThat(file.exit()).as(file.err()).isZero();
        assertThat(Files.readString(local.resolve("report.md"))).isEqualTo("# report\n");

        CliRunner.Result folder = cli.run("sessions", "cp", "box:out", local.resolve("copy").toString());
        assertThat(folder.exit()).as(folder.err()).isZero();
        assertThat(Files.readString(local.resolve("copy/charts/a.svg"))).isEqualTo("<svg/>");
        try (var left = Files.list(local)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("report.md", "copy");
        }

        Files.writeString(local.resolve("copy/new.txt"), "new\n");
        CliRunner.Result up = cli.run("sessions", "cp", local.resolve("copy").toString(), "box:in/");
        assertThat(up.exit()).as(up.err()).isZero();
        assertThat(Files.readString(ws.resolve("in/copy/new.txt"))).isEqualTo("new\n");
        assertThat(Files.readString(ws.resolve("in/copy/charts/a.svg"))).isEqualTo("<svg/>");
        CliRunner.Result upFile = cli.run("sessions", "cp", local.resolve("report.md").toString(), "box:renamed.md");
        assertThat(upFile.exit()).as(upFile.err()).isZero();
        assertThat(Files.readString(ws.resolve("renamed.md"))).isEqualTo("# report\n");

        CliRunner.Result both = cli.run("sessions", "cp", "box:a", "box:b");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("name the session's side as SESSION:PATH on exactly one side");

        CliRunner.Result notRecursive = cli.run("sessions", "rm", "box", "in");
        assertThat(notRecursive.exit()).isEqualTo(2);
        assertThat(Files.exists(ws.resolve("in/copy/new.txt"))).isTrue();
        CliRunner.Result rm = cli.run("sessions", "rm", "box", "in", "-r");
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(rm.out()).contains("deleted in (6 entries)");
        assertThat(ws.resolve("in")).doesNotExist();
        assertThat(cli.run("sessions", "events", "box").out()).contains("delete in by").contains("extract in by")
                .contains("upload renamed.md by");
    }
}
