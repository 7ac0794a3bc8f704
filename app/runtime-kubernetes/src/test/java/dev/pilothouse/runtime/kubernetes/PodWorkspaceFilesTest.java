package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Workspaces;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.workspace.FileEntry;
import dev.pilothouse.workspace.WorkspaceFiles;
import dev.pilothouse.workspace.WorkspacePath;
import io.fabric8.kubernetes.api.model.Pod;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15 item 2 on the Kubernetes runtime: the workspace browser through {@code pods/exec}, into
 * the agent container of a running session (with tar, and with an image that has none) and into
 * a read-only inspector pod of a paused one; every command a real process on the volume.
 */
class PodWorkspaceFilesTest extends KubernetesTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ODD = "odd name\nwith a newline.txt";

    @TempDir
    Path outside;

    private Session session(String name, String agent) {
        Session s = engine.create(CreateRequest.of(name, agent), null).session();
        assertThat(s.state()).as(s.terminationReason()).isEqualTo(SessionState.READY);
        return s;
    }

    private Path volume(Session s) {
        return kubelet.volume(NS, ObjectNames.of(s.id()));
    }

    private static void fill(Path ws) throws IOException {
        Files.createDirectories(ws.resolve("src/deep"));
        Files.writeString(ws.resolve("src/main.py"), "print('hi')\n");
        Files.writeString(ws.resolve("src/deep/notes.txt"), "ünïcödé\n");
        Files.writeString(ws.resolve("README.md"), "# read me\n");
        Files.writeString(ws.resolve("digits.txt"), "0123456789");
        Files.writeString(ws.resolve(ODD), "odd\n");
        Files.writeString(ws.resolve(".hidden"), "h");
        Files.createSymbolicLink(ws.resolve("inside"), Path.of("src"));
        Files.createDirectories(ws.resolve("empty dir"));
    }

    private PodWorkspaceFiles view(Session s) {
        return (PodWorkspaceFiles) runtime(s).files(fresh(s));
    }

    @Test
    void aRunningSessionIsBrowsedAndChangedInItsAgentContainer() throws IOException {
        Session s = session("browsed", "reference");
        fill(volume(s));
        try (PodWorkspaceFiles f = view(s)) {
            assertThat(f.hasTar()).isTrue();
            assertThat(f.shell().pod()).isEqualTo(ObjectNames.of(s.id()));
            assertThat(f.shell().container()).isEqualTo("reference");
        }
        browseAndChange("browsed", volume(s));
        assertThat(execs(s)).anyMatch(c -> c.contains("tar czf")).anyMatch(c -> c.contains("tar xzf"));

        // tar stores a file linked twice as a hard link: it points at its renamed first copy
        Path hard = Files.createDirectories(volume(s).resolve("hard"));
        Files.writeString(hard.resolve("a.txt"), "twice");
        Files.createLink(hard.resolve("b.txt"), hard.resolve("a.txt"));
        Map<String, String> linked = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(
                archive("browsed", "hard"))))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                linked.put(e.getName(), e.isLink() ? "=> " + e.getLinkName() : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(linked).containsOnlyKeys("hard/", "hard/a.txt", "hard/b.txt");
        assertThat(linked.values()).containsOnlyOnce("twice").anyMatch(v -> v.equals("=> hard/a.txt") || v.equals("=> hard/b.txt"));
    }

    @Test
    void anAgentImageWithoutAShellIsBrowsedReadOnlyThroughAnInspector() throws IOException {
        agentWithImage("distroless", "registry.example/agent-no-shell:1");
        Session s = keepNoInspector(session("distroless", "distroless"));
        fill(volume(s));
        try (PodWorkspaceFiles f = view(s)) {
            assertThat(f.shell().pod()).startsWith(ObjectNames.of(s.id()) + "-inspect-");
            assertThat(inspectors(s)).hasSize(1);
            assertThat(f.list(WorkspacePath.of("src"))).extracting(FileEntry::name).containsExactly("deep", "main.py");
            assertThatThrownBy(() -> f.write(WorkspacePath.of("x.txt"), in("x"))).isInstanceOf(InvalidInputException.class)
                    .hasMessage("agent 'distroless' has no shell in its image: its workspace is shown read-only, through an "
                            + "inspector pod");
        }
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());
        assertThat(fresh(s).state()).as("the agent runs on").isEqualTo(SessionState.READY);
    }

    @Test
    void anInspectorThatCannotStartSaysWhyAndIsRemoved() throws IOException {
        Session s = session("unpullable", "reference");
        engine.pause("unpullable");
        KubernetesSettings st = settings().with(Map.of("copyImage", "registry.example/does-not-exist:1"));
        try (KubernetesRuntime rt = KubernetesRuntime.connect(CONTEXT, cluster.client(NS, st), st, runtimeClock())) {
            assertThatThrownBy(() -> rt.files(fresh(s))).isInstanceOf(dev.pilothouse.errors.OperationFailedException.class)
                    .hasMessageMatching("(?s).*cannot start: (ErrImagePull|ImagePullBackOff): .*setting copyImage\\)");
        }
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());
    }

    @Test
    void withoutTarInTheImageFilesTravelOneByOneAndArchivesAreBuiltHere() throws IOException {
        agentWithImage("minimal", "registry.example/agent-no-tar:1");
        Session s = session("minimal-image", "minimal");
        fill(volume(s));
        try (PodWorkspaceFiles f = view(s)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(f.shell().run("command -v tar", List.of(), null, out).code()).as("the container has no tar").isNotZero();
            assertThat(f.shell().run("command -v base64 && command -v gzip", List.of(), null, out).code()).isZero();
            assertThat(f.hasTar()).isFalse();
        }
        browseAndChange("minimal-image", volume(s));
        // the fallback ran: no exec into this session's pod ran tar
        assertThat(execs(s)).isNotEmpty().noneMatch(c -> c.contains("tar czf") || c.contains("tar xzf"))
                .anyMatch(c -> c.contains("base64"));
    }

    /** The commands exec'd into the session's pod, as the API server got them. */
    private List<String> execs(Session s) {
        return cluster.requests.stream().filter(r -> r.contains("/pods/" + ObjectNames.of(s.id()) + "/exec?"))
                .map(r -> java.net.URLDecoder.decode(r, StandardCharsets.UTF_8)).toList();
    }

    /** The same operations and results as the local runtime's, whatever the container has. */
    private void browseAndChange(String ref, Path ws) throws IOException {
        Workspaces files = engine.workspaces();

        List<FileEntry> top = files.list(ref, ".");
        assertThat(top).extracting(e -> e.name() + ":" + e.type()).containsExactly("empty dir:DIRECTORY", "src:DIRECTORY",
                ".hidden:FILE", "README.md:FILE", "digits.txt:FILE", "inside:LINK", ODD + ":FILE");
        assertThat(top).filteredOn(e -> e.name().equals("inside")).first().satisfies(e -> {
            assertThat(e.target()).isEqualTo("src");
            assertThat(e.path()).isEqualTo("inside");
        });
        assertThat(files.stat(ref, "src/main.py")).satisfies(e -> {
            assertThat(e.size()).isEqualTo(12);
            assertThat(e.type()).isEqualTo(FileEntry.Type.FILE);
            assertThat(e.modified()).isEqualTo(Files.getLastModifiedTime(ws.resolve("src/main.py")).toInstant()
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        });
        assertThat(files.stat(ref, ".").type()).isEqualTo(FileEntry.Type.DIRECTORY);
        assertThat(files.stat(ref, ODD).size()).isEqualTo(4);
        assertThat(files.list(ref, "inside/deep")).extracting(FileEntry::path).containsExactly("inside/deep/notes.txt");
        assertThat(files.list(ref, "empty dir")).isEmpty();

        // pages of a file, and a file whole
        assertThat(files.text(ref, "digits.txt", 3, 4).text()).isEqualTo("3456");
        assertThat(files.text(ref, "digits.txt", 8, 100).text()).isEqualTo("89");
        assertThat(files.text(ref, "src/deep/notes.txt", 0, 100).text()).isEqualTo("ünïcödé\n");
        byte[] big = new byte[700_000];
        new Random(7).nextBytes(big);
        Files.write(ws.resolve("big.bin"), big);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        files.copyTo(ref, "big.bin", whole);
        assertThat(Arrays.mismatch(whole.toByteArray(), big)).isEqualTo(-1);
        assertThatThrownBy(() -> files.copyTo(ref, "src", new ByteArrayOutputStream())).isInstanceOf(InvalidInputException.class)
                .hasMessage("'src' is a folder; download it as an archive, or name a file");
        assertThatThrownBy(() -> files.list(ref, "README.md")).isInstanceOf(InvalidInputException.class)
                .hasMessage("'README.md' is a file, not a folder");
        assertThatThrownBy(() -> files.list(ref, "nothing/here")).isInstanceOf(NotFoundException.class)
                .hasMessage("no file or folder 'nothing/here' in the workspace");

        // archives named as the local runtime names them, links kept as links
        Map<String, String> all = untar(archive(ref, "."));
        assertThat(all).containsEntry("workspace/", "dir").containsEntry("workspace/src/main.py", "print('hi')\n")
                .containsEntry("workspace/src/deep/notes.txt", "ünïcödé\n").containsEntry("workspace/inside", "-> src")
                .containsEntry("workspace/" + ODD, "odd\n").containsEntry("workspace/empty dir/", "dir")
                .containsEntry("workspace/.hidden", "h");
        assertThat(all.get("workspace/big.bin")).hasSize(new String(big, StandardCharsets.ISO_8859_1).length());
        assertThat(untar(archive(ref, "src"))).containsOnlyKeys("src/", "src/main.py", "src/deep/", "src/deep/notes.txt");
        assertThat(untar(archive(ref, "src/deep/notes.txt"))).containsExactly(Map.entry("notes.txt", "ünïcödé\n"));
        assertThat(untar(archive(ref, "inside"))).as("a link to a folder is archived under its own name")
                .containsKeys("inside/", "inside/main.py");

        // a folder's contents named relative to it, as a bundle holds the workspace: extract takes them back
        ByteArrayOutputStream contents = new ByteArrayOutputStream();
        files.archiveContents(ref, "src", contents);
        assertThat(untar(contents.toByteArray()).keySet()).map(k -> k.startsWith("./") ? k.substring(2) : k)
                .contains("main.py", "deep/notes.txt").noneMatch(k -> k.startsWith("src/"));
        files.extract(ref, "copied", new ByteArrayInputStream(contents.toByteArray()));
        assertThat(Files.readString(ws.resolve("copied/deep/notes.txt"))).isEqualTo("ünïcödé\n");
        assertThatThrownBy(() -> files.archiveContents(ref, "README.md", new ByteArrayOutputStream()))
                .isInstanceOf(InvalidInputException.class).hasMessage("'README.md' is a file, not a folder");

        // uploads: whole, replacing, folders made on the way
        FileEntry up = files.upload(ref, "new/sub/up load.txt", in("uploaded\n"));
        assertThat(up.size()).isEqualTo(9);
        assertThat(Files.readString(ws.resolve("new/sub/up load.txt"))).isEqualTo("uploaded\n");
        files.upload(ref, "README.md", in("# replaced\n"));
        assertThat(Files.readString(ws.resolve("README.md"))).isEqualTo("# replaced\n");
        files.upload(ref, "empty.txt", in(""));
        assertThat(Files.size(ws.resolve("empty.txt"))).isZero();
        assertThatThrownBy(() -> files.upload(ref, "src", in("x"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("'src' is a folder; give a file's path");
        assertThatThrownBy(() -> files.upload(ref, "README.md/x", in("x"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("'README.md' is a file, not a folder");

        // extract: merged into the folder, files replaced; a broken archive changes nothing
        int n = files.extract(ref, "src", tarGz(Map.of("added/a.txt", "A", "main.py", "replaced\n", "deep/more.txt", "more")));
        assertThat(n).isEqualTo(3);
        assertThat(Files.readString(ws.resolve("src/main.py"))).isEqualTo("replaced\n");
        assertThat(Files.readString(ws.resolve("src/added/a.txt"))).isEqualTo("A");
        assertThat(Files.readString(ws.resolve("src/deep/notes.txt"))).as("merged, not replaced").isEqualTo("ünïcödé\n");
        assertThat(Files.readString(ws.resolve("src/deep/more.txt"))).isEqualTo("more");
        files.extract(ref, "fresh/folder", tarGz(Map.of("x.txt", "x")));
        assertThat(Files.readString(ws.resolve("fresh/folder/x.txt"))).isEqualTo("x");
        byte[] whole2 = tarGz(Map.of("y.txt", "y")).readAllBytes();
        assertThatThrownBy(() -> files.extract(ref, "src", new ByteArrayInputStream(Arrays.copyOf(whole2, whole2.length / 2))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing was unpacked");
        assertThat(ws.resolve("src/y.txt")).doesNotExist();

        // delete: a folder only when asked to take everything in it
        assertThatThrownBy(() -> files.delete(ref, "src", false)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("'src' is a folder; delete it with everything in it");
        assertThat(files.delete(ref, "inside", false)).as("the link, not its folder").isEqualTo(1);
        assertThat(ws.resolve("src/main.py")).exists();
        assertThat(files.delete(ref, "src", true)).as("src, main.py, deep, notes.txt, more.txt, added, a.txt").isEqualTo(7);
        assertThat(ws.resolve("src")).doesNotExist();
        assertThat(files.delete(ref, ODD, false)).isEqualTo(1);
        assertThatThrownBy(() -> files.delete(ref, ".", true)).isInstanceOf(InvalidInputException.class)
                .hasMessage("the workspace itself cannot be deleted; name what is in it");
        assertThatThrownBy(() -> files.delete(ref, "gone", false)).isInstanceOf(NotFoundException.class);

        // nothing staged is left behind
        try (Stream<Path> walk = Files.walk(ws)) {
            assertThat(walk.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".pilothouse-upload-"));
        }
    }

    @Test
    void linksThatLeadOutOfTheWorkspaceAreRefusedInThePod() throws IOException {
        Session s = session("escaping", "reference");
        Path ws = volume(s);
        fill(ws);
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(ws.resolve("escape"), outside);
        Files.createSymbolicLink(ws.resolve("src/up"), Path.of("../.."));
        Workspaces files = engine.workspaces();

        assertThat(files.stat("escaping", "escape").target()).as("shown as a link").isEqualTo(outside.toString());
        assertThatThrownBy(() -> files.list("escaping", "escape")).isInstanceOf(InvalidInputException.class)
                .hasMessage("'escape' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.text("escaping", "escape/secret.txt", 0, 100)).isInstanceOf(InvalidInputException.class)
                .hasMessage("'escape' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.list("escaping", "src/up")).isInstanceOf(InvalidInputException.class)
                .hasMessage("'src/up' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.copyTo("escaping", "escape/secret.txt", new ByteArrayOutputStream()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("leads out of the workspace");
        assertThatThrownBy(() -> files.archive("escaping", "escape", new ByteArrayOutputStream()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("leads out of the workspace");
        assertThatThrownBy(() -> files.upload("escaping", "escape/x", in("x"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("leads out of the workspace");
        assertThatThrownBy(() -> files.extract("escaping", "escape", tarGz(Map.of("x", "x"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("leads out of the workspace");
        assertThatThrownBy(() -> files.extract("escaping", ".", tarGz(Map.of("escape/x", "x"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("the upload would write through a symbolic link that leads out of the workspace ('escape')");
        try (Stream<Path> top = Files.list(ws)) {
            assertThat(top.map(p -> p.getFileName().toString())).as("the refused upload's staging is gone")
                    .noneMatch(n -> n.startsWith(".pilothouse-upload-"));
        }
        assertThatThrownBy(() -> files.delete("escaping", "escape/secret.txt", false)).isInstanceOf(InvalidInputException.class)
                .hasMessage("'escape' leads out of the workspace through a symbolic link");
        assertThatThrownBy(() -> files.upload("escaping", "/etc/x", in("x"))).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("path '/etc/x' is absolute");
        assertThat(outside.resolve("x")).doesNotExist();
        assertThat(outside.resolve("secret.txt")).hasContent("secret");
        assertThat(files.upload("escaping", "escape", in("a file now")).type()).as("the link replaced, not followed")
                .isEqualTo(FileEntry.Type.FILE);
        assertThat(ws.resolve("escape")).isRegularFile().hasContent("a file now");
        try (Stream<Path> there = Files.list(outside)) {
            assertThat(there.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
        }
        assertThat(files.delete("escaping", "escape", false)).isEqualTo(1);
        assertThat(outside.resolve("secret.txt")).exists();
    }

    @Test
    void aPausedSessionIsBrowsedReadOnlyThroughAnInspectorPodKeptForTheNextViewThenDeleted() throws IOException {
        Session s = session("parked", "reference");
        fill(volume(s));
        engine.pause("parked");
        assertThat(pod(s)).isNull();
        runtime(s).keepInspectors(Duration.ofMinutes(5));

        String inspector;
        try (PodWorkspaceFiles f = view(s)) {
            inspector = f.shell().pod();
            List<Pod> inspectors = inspectors(s);
            assertThat(inspectors).hasSize(1);
            Pod p = inspectors.get(0);
            assertThat(p.getMetadata().getName()).startsWith(ObjectNames.of(s.id()) + "-inspect-").isEqualTo(f.shell().pod());
            assertThat(p.getMetadata().getLabels()).containsEntry(ObjectNames.SESSION, s.id())
                    .containsEntry(ObjectNames.MANAGED_BY, ObjectNames.MANAGER);
            var spec = p.getSpec();
            assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(15 * 60L);
            assertThat(spec.getAutomountServiceAccountToken()).isFalse();
            assertThat(spec.getEnableServiceLinks()).isFalse();
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(spec.getVolumes()).singleElement().satisfies(v -> {
                assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(ObjectNames.of(s.id()));
                assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
            var c = spec.getContainers().get(0);
            assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getReadOnly()).isTrue());
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");

            assertThat(f.list(WorkspacePath.ROOT)).extracting(FileEntry::name).contains("src", "README.md", ODD);
            assertThat(new String(f.read(WorkspacePath.of("digits.txt"), 2, 3), StandardCharsets.UTF_8)).isEqualTo("234");
            assertThat(untar(archive(f, "src"))).containsKey("src/deep/notes.txt");

            String readOnly = "the session is paused: its workspace is read-only; resume it to change files";
            assertThatThrownBy(() -> f.write(WorkspacePath.of("new.txt"), in("x"))).isInstanceOf(InvalidInputException.class)
                    .hasMessage(readOnly);
            assertThatThrownBy(() -> f.extract(WorkspacePath.ROOT, tarGz(Map.of("x", "x")))).isInstanceOf(InvalidInputException.class)
                    .hasMessage(readOnly);
            assertThatThrownBy(() -> f.delete(WorkspacePath.of("README.md"), false)).isInstanceOf(InvalidInputException.class)
                    .hasMessage(readOnly);
            assertThat(volume(s).resolve("new.txt")).doesNotExist();
            assertThat(volume(s).resolve("README.md")).exists();

            // the inspector is neither the session's pod nor a reason to think it runs
            assertThat(engine.reconcile()).isNotNull();
            assertThat(fresh(s).state()).isEqualTo(SessionState.IDLE);
            assertThat(pod(s)).isNull();
        }
        // the view closed: its inspector is kept for the next one, and the engine's operations use it
        assertThat(inspectors(s)).extracting(p -> p.getMetadata().getName()).containsExactly(inspector);
        assertThat(engine.workspaces().list("parked", "src")).extracting(FileEntry::name).containsExactly("deep", "main.py");
        assertThatThrownBy(() -> engine.workspaces().upload("parked", "x.txt", in("x")))
                .hasMessage("the session is paused: its workspace is read-only; resume it to change files");
        assertThat(inspectors(s)).extracting(p -> p.getMetadata().getName()).containsExactly(inspector);
        // once no view has used it for the time it is kept, it goes
        runtime(s).keepInspectors(Duration.ofMillis(200));
        assertThat(engine.workspaces().list("parked", "")).isNotEmpty();
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());

        // resumed: the agent container again, writable
        assertThat(engine.resume("parked").state()).isEqualTo(SessionState.READY);
        engine.workspaces().upload("parked", "after.txt", in("after"));
        assertThat(volume(s).resolve("after.txt")).hasContent("after");

        // the inspectors' Kubernetes events are not the session's history: once the resumed pod's are in, none of theirs is
        String scheduled = "Kubernetes: Normal Scheduled on pod " + ObjectNames.of(s.id()) + ":";
        await().atMost(WAIT).until(() -> reasons(s).stream().filter(r -> r.startsWith(scheduled)).count() == 2);
        assertThat(reasons(s)).noneMatch(r -> r.contains("-inspect-"));
    }

    private List<String> reasons(Session s) {
        return engine.events(s.id(), 0, 1000).stream().map(dev.pilothouse.session.AuditEvent::reason).toList();
    }

    @Test
    void inspectorsLeftBehindAreCleanedUp() {
        Session s = keepNoInspector(session("left", "reference"));
        engine.pause("left");
        // one a console that died left to its deadline: Failed, kept by Kubernetes
        Pod stale = InspectorPod.build(fresh(s), ObjectNames.inspectorPod(s.id(), "00dead"), null,
                settings().with(Map.of("copyImage", "registry.example/deadline-passed:1")));
        api.pods().inNamespace(NS).resource(stale).create();
        await().atMost(WAIT).until(() -> {
            Pod p = api.pods().inNamespace(NS).withName(stale.getMetadata().getName()).get();
            return p.getStatus() != null && "Failed".equals(p.getStatus().getPhase());
        });
        try (PodWorkspaceFiles f = view(s)) {
            await().atMost(WAIT).until(() -> inspectors(s).stream().map(p -> p.getMetadata().getName()).toList()
                    .equals(List.of(f.shell().pod())));
        }
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());

        // a runtime that closes (the console quits) takes the inspectors of views still open with it
        KubernetesSettings st = settings();
        KubernetesRuntime rt = KubernetesRuntime.connect(CONTEXT, cluster.client(NS, st), st, runtimeClock());
        WorkspaceFiles open = rt.files(fresh(s));
        assertThat(open.list(WorkspacePath.ROOT)).isNotNull();
        assertThat(inspectors(s)).hasSize(1);
        rt.close();
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());
    }

    @Test
    void resumingRemovesAnInspectorThatCouldHoldTheVolume() throws IOException {
        Session s = session("held", "reference");
        engine.pause("held");
        PodWorkspaceFiles f = view(s);
        assertThat(inspectors(s)).hasSize(1);
        assertThat(engine.resume("held").state()).isEqualTo(SessionState.READY);
        await().atMost(WAIT).until(() -> inspectors(s).isEmpty());
        f.close(); // already gone: nothing to do
    }

    /** Inspectors deleted when their last view closes, not kept for the next. */
    private Session keepNoInspector(Session s) {
        runtime(s).keepInspectors(Duration.ZERO);
        return s;
    }

    private List<Pod> inspectors(Session s) {
        return api.pods().inNamespace(NS).withLabel(ObjectNames.ROLE, ObjectNames.ROLE_INSPECTOR)
                .withLabel(ObjectNames.SESSION, s.id()).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    // ---- archives ---------------------------------------------------------------------------------

    private byte[] archive(String ref, String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.workspaces().archive(ref, path, out);
        return out.toByteArray();
    }

    private static byte[] archive(WorkspaceFiles f, String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.archive(WorkspacePath.of(path), out);
        return out.toByteArray();
    }

    /** Entry name to content: "dir" for a folder, "-> target" for a link; file bytes as ISO-8859-1 unless UTF-8 text. */
    private static Map<String, String> untar(byte[] tarGz) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(tarGz)))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isDirectory()) {
                    out.put(e.getName(), "dir");
                } else if (e.isSymbolicLink()) {
                    out.put(e.getName(), "-> " + e.getLinkName());
                } else {
                    byte[] b = in.readAllBytes();
                    out.put(e.getName(), e.getName().endsWith(".bin") ? new String(b, StandardCharsets.ISO_8859_1)
                            : new String(b, StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static ByteArrayInputStream tarGz(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (var e : new TreeMap<>(files).entrySet()) {
                byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry t = new TarArchiveEntry(e.getKey());
                t.setSize(b.length);
                tar.putArchiveEntry(t);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
