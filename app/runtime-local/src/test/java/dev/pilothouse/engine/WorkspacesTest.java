package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Session;
import dev.pilothouse.testing.EngineTestBase;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.TextPage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 15 item 2: the workspace browser on the local runtime, against a real session's workspace. */
class WorkspacesTest extends EngineTestBase {
    private Session s;
    private Path ws;
    private Workspaces files;

    @BeforeEach
    void session() throws IOException {
        s = engine.create(CreateRequest.of("browsed", "reference"), null).session();
        ws = ((LocalRuntime) engine.runtime(s)).workspace(s.id());
        files = engine.workspaces();
        Files.createDirectories(ws.resolve("src/deep"));
        Files.writeString(ws.resolve("src/main.py"), "print('hi')\n");
        Files.writeString(ws.resolve("src/deep/notes.txt"), "ünïcödé\n");
        Files.writeString(ws.resolve("README.md"), "# read me\n");
    }

    @Test
    void listsFoldersFirstAndShowsLinksWithoutFollowingThem() throws IOException {
        Files.createSymbolicLink(ws.resolve("inside"), Path.of("src"));
        Files.createSymbolicLink(ws.resolve("escape"), Path.of("/etc"));
        assertThat(files.list("browsed", "src")).extracting(FileEntry::path).containsExactly("src/deep", "src/main.py");
        assertThat(files.list("browsed", ".")).extracting(e -> e.name() + ":" + e.type())
                .contains("src:DIRECTORY", "README.md:FILE", "inside:LINK", "escape:LINK")
                .first().isEqualTo("src:DIRECTORY");
        assertThat(files.stat("browsed", "escape").target()).isEqualTo("/etc");
        assertThat(files.list("browsed", "inside/deep")).extracting(FileEntry::name).containsExactly("notes.txt");
        assertThat(files.stat("browsed", "src/main.py").size()).isEqualTo(12);
    }

    @Test
    void pathsThatLeadOutOfTheWorkspaceAreRefused() throws IOException {
        Files.createSymbolicLink(ws.resolve("escape"), Path.of("/etc"));
        Files.createSymbolicLink(ws.resolve("src/up"), Path.of("../.."));
        assertThatThrownBy(() -> files.list("browsed", "../")).isInstanceOf(InvalidInputException.class)
                .hasMessage("path '../' leads out of the workspace ('..' is not accepted)");
        assertThatThrownBy(() -> files.text("browsed", "/etc/passwd", 0, 100)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("path '/etc/passwd' is absolute; give it relative to the workspace");
        assertThatThrownBy(() -> files.text("browsed", "escape/passwd", 0, 100)).isInstanceOf(InvalidInputException.class)
                .hasMessage("'escape' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.list("browsed", "src/up")).isInstanceOf(InvalidInputException.class)
                .hasMessage("'src/up' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.upload("browsed", "escape/x", new ByteArrayInputStream(new byte[1])))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> files.list("browsed", "nothing/here")).isInstanceOf(NotFoundException.class)
                .hasMessage("no file or folder 'nothing/here' in the workspace");
        assertThat(Files.exists(Path.of("/etc/x"))).isFalse();
    }

    @Test
    void aLargeFileIsReadAPageAtATimeOnCharacterBoundariesAndABinaryOneSaysSo() throws IOException {
        Path big = ws.resolve("big.log");
        // sparse: 2 GiB on the file's size, no disk; then text at the end
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(2L * 1024 * 1024 * 1024);
        }
        TextPage first = files.text("browsed", "big.log", 0, 1024);
        assertThat(first.binary()).isTrue(); // zeros are NULs
        assertThat(first.size()).isEqualTo(2L * 1024 * 1024 * 1024);

        String text = "é".repeat(1000); // two bytes each
        Files.writeString(ws.resolve("accents.txt"), text);
        TextPage p1 = files.text("browsed", "accents.txt", 0, 101);
        assertThat(p1.binary()).isFalse();
        assertThat(p1.nextOffset()).isEqualTo(100); // the 101st byte begins a character, left for the next page
        assertThat(p1.text()).isEqualTo("é".repeat(50));
        StringBuilder all = new StringBuilder(p1.text());
        for (TextPage p = p1; !p.last(); ) {
            p = files.text("browsed", "accents.txt", p.nextOffset(), 101);
            all.append(p.text());
        }
        assertThat(all.toString()).isEqualTo(text);

        // through a link, every page is read too, though the link's own size says nothing of the file's
        Files.createSymbolicLink(ws.resolve("latest.txt"), Path.of("accents.txt"));
        StringBuilder linked = new StringBuilder();
        int pages = 0;
        for (TextPage p = null; p == null || !p.last(); pages++) {
            p = files.text("browsed", "latest.txt", p == null ? 0 : p.nextOffset(), 101);
            linked.append(p.text());
        }
        assertThat(linked.toString()).isEqualTo(text);
        assertThat(pages).isEqualTo(20);
        assertThatThrownBy(() -> files.text("browsed", "src", 0, 100)).isInstanceOf(InvalidInputException.class)
                .hasMessage("'src' is a folder; list it, or name a file");
        assertThatThrownBy(() -> files.text("browsed", "README.md", 0, 0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aFolderDownloadsAsATarballThatUploadsElsewhereTheSame() throws IOException {
        Files.createSymbolicLink(ws.resolve("src/link"), Path.of("main.py"));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        files.archive("browsed", "src", tar);

        Session other = engine.create(CreateRequest.of("other", "reference"), null).session();
        Path ows = ((LocalRuntime) engine.runtime(other)).workspace(other.id());
        int n = files.extract("other", ".", new ByteArrayInputStream(tar.toByteArray()));
        assertThat(n).isEqualTo(5); // src/, src/deep/, notes.txt, main.py, link
        assertThat(Files.readString(ows.resolve("src/deep/notes.txt"))).isEqualTo("ünïcödé\n");
        assertThat(Files.readSymbolicLink(ows.resolve("src/link"))).isEqualTo(Path.of("main.py"));
        assertThat(engine.events("other", 0, 100)).filteredOn(e -> e.kind().equals(AuditEvent.WORKSPACE))
                .singleElement().satisfies(e -> {
                    assertThat(e.reason()).isEqualTo("extract . by " + engine.actor());
                    assertThat(e.detail()).contains("\"op\":\"extract\"", "\"entries\":5");
                });
    }

    @Test
    void aTruncatedOrHostileArchiveChangesNothing() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        files.archive("browsed", "src", tar);
        byte[] cut = Arrays.copyOf(tar.toByteArray(), tar.size() / 2);
        Files.delete(ws.resolve("src/main.py"));
        assertThatThrownBy(() -> files.extract("browsed", ".", new ByteArrayInputStream(cut)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing was unpacked");
        assertThat(ws.resolve("src/main.py")).doesNotExist();
        try (Stream<Path> left = Files.list(ws.resolve("src"))) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("deep");
        }

        byte[] evil = tarWithEntry("../../outside.txt");
        assertThatThrownBy(() -> files.extract("browsed", ".", new ByteArrayInputStream(evil)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("archive entry '../../outside.txt' leads out of the workspace ('..' is not accepted); "
                        + "nothing was unpacked");
        assertThat(ws.getParent().getParent().resolve("outside.txt")).doesNotExist();
        assertThat(engine.events("browsed", 0, 100)).noneMatch(e -> e.kind().equals(AuditEvent.WORKSPACE));
    }

    @Test
    void uploadsReplaceWholeAndDeletesAreConfirmedByRecursiveAndAudited() throws IOException {
        FileEntry e = files.upload("browsed", "new/dir/data.csv", new ByteArrayInputStream("a,b\n".getBytes()));
        assertThat(e.size()).isEqualTo(4);
        assertThat(Files.readString(ws.resolve("new/dir/data.csv"))).isEqualTo("a,b\n");
        assertThatThrownBy(() -> files.delete("browsed", "src", false)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("'src' is a folder; delete it with everything in it");
        assertThat(files.delete("browsed", "src", true)).isEqualTo(4); // src, deep, notes.txt, main.py
        assertThat(ws.resolve("src")).doesNotExist();
        assertThatThrownBy(() -> files.delete("browsed", ".", true)).isInstanceOf(InvalidInputException.class);
        assertThat(engine.events("browsed", 0, 100)).filteredOn(a -> a.kind().equals(AuditEvent.WORKSPACE))
                .extracting(AuditEvent::reason)
                .containsExactly("upload new/dir/data.csv by " + engine.actor(), "delete src by " + engine.actor());
        assertThat(engine.events("browsed", 0, 100)).noneMatch(a -> a.detail() != null && a.detail().contains("a,b"));

        engine.delete("browsed");
        assertThat(files.text("browsed", "README.md", 0, 100).text()).isEqualTo("# read me\n");
        assertThatThrownBy(() -> files.upload("browsed", "x", new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("is deleted");
        engine.purge("browsed");
        assertThatThrownBy(() -> files.list("browsed", ".")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("was purged");
    }

    /** A gzip'd tar with one file entry of that name, as a hostile client could send. */
    private static byte[] tarWithEntry(String name) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            var e = new TarArchiveEntry(name);
            byte[] content = "x".getBytes(StandardCharsets.UTF_8);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
