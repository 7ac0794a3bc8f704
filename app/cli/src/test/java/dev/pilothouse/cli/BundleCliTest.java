package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.local.LocalRuntime;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15 item 3's "share session states": sessions export, then import as a new session; bad bundles refused whole. */
class BundleCliTest extends LocalCliTestBase {
    @TempDir
    Path local;

    private Path workspace(String name) {
        String id = Json.parse(cli.run("sessions", "show", name, "-o", "json").out()).get("id").asText();
        try (LocalRuntime r = new LocalRuntime(dataDir, 2000)) {
            return r.workspace(id);
        }
    }

    @Test
    void aSessionExportedWithItsWorkspaceIsImportedAsANewSessionWithItsConversationAndFiles() throws IOException {
        assertThat(cli.run("sessions", "create", "origin", "--agent", "reference", "--metadata", "{\"team\":\"q4\"}").exit())
                .isZero();
        assertThat(cli.run("sessions", "send", "origin", "$ mkdir -p out && echo result > out/r.txt && echo made").exit())
                .isZero();
        Path bundle = local.resolve("origin.bundle.tar.gz");
        CliRunner.Result exported = cli.run("sessions", "export", "origin", "--workspace", "--out", bundle.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        assertThat(exported.out()).contains("exported session 'origin' with its workspace to " + bundle);
        // its timeline.json has the agent's log lines, each with the whole line
        JsonNode timeline = Json.parse(entry(bundle, "bundle/timeline.json"));
        assertThat(timeline).anySatisfy(e -> {
            assertThat(e.get("kind").asText()).isEqualTo("log");
            assertThat(e.get("detail").get("line").asText()).contains("received");
        });

        CliRunner.Result imported = cli.run("sessions", "import", bundle.toString(), "--name", "copy", "-o", "json");
        assertThat(imported.exit()).as(imported.err()).isZero();
        JsonNode copy = Json.parse(imported.out());
        assertThat(copy.get("name").asText()).isEqualTo("copy");
        assertThat(copy.get("metadata").get("team").asText()).isEqualTo("q4");
        assertThat(Files.readString(workspace("copy").resolve("out/r.txt"))).isEqualTo("result\n");
        JsonNode messages = Json.parse(cli.run("sessions", "messages", "copy", "-o", "json").out());
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("content").asText()).startsWith("$ mkdir -p out");
        assertThat(messages.get(1).get("content").asText()).contains("made");
        assertThat(cli.run("sessions", "messages", "copy").out()).as("an import is not called a remix")
                .startsWith("--- copied from session ").contains("when this session was imported from its bundle ---");
        JsonNode events = Json.parse(cli.run("sessions", "events", "copy", "-o", "json").out());
        assertThat(events.findValuesAsText("kind")).contains("imported");
        // the imported session works
        CliRunner.Result sent = cli.run("sessions", "send", "copy", "$ cat out/r.txt");
        assertThat(sent.out()).contains("result");
    }

    @Test
    void aTruncatedBundleOrOneFromANewerVersionIsRefusedAndNothingIsImported() throws IOException {
        assertThat(cli.run("sessions", "create", "origin", "--agent", "reference").exit()).isZero();
        Path bundle = local.resolve("b.tar.gz");
        assertThat(cli.run("sessions", "export", "origin", "--out", bundle.toString()).exit()).isZero();
        byte[] whole = Files.readAllBytes(bundle);
        Path cut = Files.write(local.resolve("cut.tar.gz"), Arrays.copyOf(whole, whole.length / 2));
        CliRunner.Result truncated = cli.run("sessions", "import", cut.toString(), "--name", "half");
        assertThat(truncated.exit()).isEqualTo(2);
        assertThat(truncated.err()).contains("not imported: the file is not a complete").contains("nothing was imported");

        Path newer = Files.write(local.resolve("newer.tar.gz"), bundleOf("{\"format\":\"pilothouse-session-bundle\","
                + "\"version\":9,\"pilothouse\":\"9.0.0\",\"session\":{}}"));
        CliRunner.Result future = cli.run("sessions", "import", newer.toString(), "--name", "future");
        assertThat(future.exit()).isEqualTo(2);
        assertThat(future.err()).contains("made by a newer Pilothouse (bundle version 9, written by 9.0.0)")
                .contains("reads version 2");
        CliRunner.Result none = cli.run("sessions", "import", local.resolve("missing.tar.gz").toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("there is no file").contains("sessions export");

        JsonNode sessions = Json.parse(cli.run("sessions", "list", "-o", "json").out());
        java.util.List<String> names = new java.util.ArrayList<>();
        sessions.forEach(n -> names.add(n.get("name").asText()));
        assertThat(names).containsExactly("origin");
    }

    /** One file of a bundle, as text. */
    private static String entry(Path bundle, String name) throws IOException {
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream tar = new org.apache.commons.compress.archivers
                .tar.TarArchiveInputStream(new java.util.zip.GZIPInputStream(Files.newInputStream(bundle)))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.getName().equals(name)) {
                    return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError(name + " is not in " + bundle);
    }

    private static byte[] bundleOf(String head) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            byte[] b = head.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("bundle/bundle.json");
            e.setSize(b.length);
            tar.putArchiveEntry(e);
            tar.write(b);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }
}
