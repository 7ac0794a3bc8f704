package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.cli.CliHarness;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.ConnectionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Item 1: every context of the kubeconfig files (KUBECONFIG, several merged, exec credential
 * plugins) next to local, through the production path: fabric8 reads the files, here named by
 * the {@code kubeconfig} system property, which fabric8 reads as it reads KUBECONFIG.
 */
class KubeconfigTest {
    @TempDir
    Path dir;
    @TempDir
    Path dataDir;
    private FakeCluster cluster;
    private String before;

    @BeforeEach
    void kubeconfigs() throws Exception {
        cluster = new FakeCluster();
        Path plugin = dir.resolve("token-plugin.sh");
        Files.writeString(plugin, """
                #!/bin/sh
                echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec-plugin"}}'
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwx------"));
        Path first = dir.resolve("first.yaml");
        Files.writeString(first, """
                apiVersion: v1
                kind: Config
                current-context: alpha
                clusters:
                - name: lab
                  cluster:
                    server: %s
                users:
                - name: static
                  user:
                    token: static-token
                contexts:
                - name: alpha
                  context: {cluster: lab, user: static, namespace: team-a}
                """.formatted(cluster.url()));
        Path second = dir.resolve("second.yaml");
        Files.writeString(second, """
                apiVersion: v1
                kind: Config
                current-context: beta
                clusters:
                - name: elsewhere
                  cluster:
                    server: https://never-used.invalid:6443
                users:
                - name: plugged
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: %s
                      interactiveMode: Never
                contexts:
                - name: alpha
                  context: {cluster: elsewhere, user: plugged}
                - name: beta
                  context: {cluster: lab, user: plugged, namespace: team-b}
                """.formatted(plugin));
        before = System.getProperty("kubeconfig");
        System.setProperty("kubeconfig", first + File.pathSeparator + dir.resolve("missing.yaml") + File.pathSeparator + second);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("kubeconfig");
        } else {
            System.setProperty("kubeconfig", before);
        }
        cluster.close();
    }

    @Test
    void everyContextOfEveryFileIsOfferedNextToLocal() {
        Runtimes runtimes = new Runtimes(dataDir);
        assertThat(runtimes.contexts()).containsExactly("local", "alpha", "beta");
        KubeconfigContexts kc = new KubernetesRuntimeProvider().kubeconfig();
        assertThat(kc.current()).as("the first file's current-context wins").isEqualTo("alpha");
        assertThat(kc.context("alpha").namespace()).as("the first file to name a context wins").isEqualTo("team-a");
        assertThat(kc.context("beta").namespace()).isEqualTo("team-b");
        assertThat(runtimes.details()).extracting(Engine.ContextInfo::name, Engine.ContextInfo::namespace,
                Engine.ContextInfo::kubeconfigCurrent).containsExactly(
                org.assertj.core.groups.Tuple.tuple("local", "default", false),
                org.assertj.core.groups.Tuple.tuple("alpha", "team-a", true),
                org.assertj.core.groups.Tuple.tuple("beta", "team-b", false));
    }

    @Test
    void aContextWhoseUserIsAnExecPluginConnectsWithThePluginsToken() {
        try (Engine engine = Engine.open(EngineConfig.of(dataDir))) {
            engine.useContext("beta");
            assertThat(engine.namespace()).isEqualTo("team-b");
            assertThat(engine.connection().state()).isEqualTo(ConnectionStatus.State.CONNECTED);
            assertThat(cluster.authorizations).contains("Bearer from-exec-plugin");

            engine.useContext("alpha", "team-c");
            assertThat(engine.namespace()).isEqualTo("team-c");
            assertThat(engine.connection().connected()).isTrue();
            assertThat(cluster.authorizations).contains("Bearer static-token");
            assertThat(cluster.requests).anyMatch(r -> r.startsWith("GET /api/v1/namespaces/team-c/pods?"));
        }
    }

    @Test
    void unknownContextsAndBadNamespacesAreRefusedSayingWhatIsAccepted() {
        try (Engine engine = Engine.open(EngineConfig.of(dataDir))) {
            assertThatThrownBy(() -> engine.useContext("gamma")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("unknown context 'gamma'; accepted: [local, alpha, beta]");
            assertThatThrownBy(() -> engine.useContext("alpha", "Team_A")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("invalid namespace 'Team_A'").hasMessageContaining("DNS-1123");
            assertThat(engine.context()).isEqualTo("local");
        }
    }

    @Test
    void theCliListsContextsAndTakesContextAndNamespaceOnEveryCommand() {
        CliHarness cli = new CliHarness(dataDir);
        CliHarness.Result list = cli.run("contexts");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("* local").contains("alpha").contains("team-a")
                .contains("(kubeconfig current-context)").contains("beta").contains("team-b");
        // a table only, its columns aligned under their headers (names shorter than "CONTEXT" included)
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(4);
        int ns = lines.get(0).indexOf("NAMESPACE");
        int cluster = lines.get(0).indexOf("CLUSTER");
        assertThat(lines.get(0)).startsWith("  CONTEXT");
        for (String l : lines.subList(1, lines.size())) {
            assertThat(l.charAt(ns - 1)).as(l).isEqualTo(' ');
            assertThat(l.charAt(ns)).as(l).isNotEqualTo(' ');
            assertThat(l.charAt(cluster - 1)).as(l).isEqualTo(' ');
            assertThat(l.charAt(cluster)).as(l).isNotEqualTo(' ');
        }
        assertThat(list.out()).doesNotContain("agent pool");

        CliHarness.Result chosen = cli.run("--context", "beta", "--namespace", "team-z", "-o", "json", "contexts");
        assertThat(chosen.exit()).as(chosen.err()).isZero();
        var json = Json.parse(chosen.out());
        assertThat(json).hasSize(3);
        assertThat(json.get(2).path("name").asText()).isEqualTo("beta");
        assertThat(json.get(2).path("current").asBoolean()).isTrue();
        assertThat(json.get(2).path("namespace").asText()).isEqualTo("team-z");

        CliHarness.Result sessions = cli.run("--context", "alpha", "--namespace", "team-a", "sessions", "list");
        assertThat(sessions.exit()).as(sessions.err()).isZero();
        assertThat(cli.run("--context", "alpha", "agents", "list").exit()).isZero();

        CliHarness.Result bad = cli.run("--context", "nope", "sessions", "list");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown context 'nope'; accepted: [local, alpha, beta]");
        CliHarness.Result badNs = cli.run("--context", "alpha", "--namespace", "-x-", "sessions", "list");
        assertThat(badNs.exit()).isEqualTo(2);
        assertThat(badNs.err()).contains("invalid namespace '-x-'");
    }

    @Test
    void aBrokenKubeconfigLeavesLocalUsableAndSaysWhichFile() throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "clusters: [this is: not valid");
        System.setProperty("kubeconfig", broken.toString());
        Runtimes runtimes = new Runtimes(dataDir);
        assertThat(runtimes.contexts()).containsExactly("local");
        assertThat(runtimes.kubeconfigProblem()).contains("cannot read the kubeconfig " + broken);
        CliHarness.Result r = new CliHarness(dataDir).run("contexts");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("* local");
        assertThat(r.err()).contains("warning: cannot read the kubeconfig " + broken);
    }

    @Test
    void kubernetesYamlIsValidatedKeyByKey() throws Exception {
        List<String[]> cases = List.of(
                new String[]{"storageclass: x\n", "unknown key 'storageclass'"},
                new String[]{"egressAllowed: [\"10.0.0.0/33\"]\n", "invalid egressAllowed"},
                new String[]{"unschedulableDeadlineSeconds: 0\n", "a whole number from 1 to 86400"},
                new String[]{"storageClassSupportsClone: yes-please\n", "true or false"},
                new String[]{"workspacePath: workspace\n", "an absolute path"},
                new String[]{"- a list\n", "must be a YAML map"},
                new String[]{"contexts:\n  alpha:\n    runAsUser: 0\n", "(context alpha)"},
                new String[]{"namespace: a\nnamespace: b\n", "the key 'namespace' is given twice"},
                new String[]{"defaultImage: &img registry/x:1\ncontexts:\n  alpha:\n    defaultImage: *img\n",
                        "line 4 uses the YAML alias *img"},
                new String[]{"namespace: a\n---\nnamespace: b\n", "more than one document"});
        for (String[] c : cases) {
            Files.writeString(dataDir.resolve("kubernetes.yaml"), c[0]);
            assertThatThrownBy(() -> KubernetesSettings.load(dataDir, "alpha")).as(c[0])
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining(c[1]);
        }
        Files.delete(dataDir.resolve("kubernetes.yaml"));
        Files.createDirectory(dataDir.resolve("kubernetes.yaml"));
        assertThatThrownBy(() -> KubernetesSettings.load(dataDir, "alpha")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is a directory");
        Files.delete(dataDir.resolve("kubernetes.yaml"));
        Files.writeString(dataDir.resolve("kubernetes.yaml"), "namespace: from-yaml\n");
        assertThat(new Runtimes(dataDir).details().get(1).namespace()).isEqualTo("from-yaml");
    }
}
