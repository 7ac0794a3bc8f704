package dev.pilothouse.clusterit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.cli.Cli;
import dev.pilothouse.cli.CliHarness;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.kubernetes.KubernetesSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's whole life on a real cluster (kind, k3s, any), driven through the {@code pilothouse}
 * command line as an operator types it: create with the reference agent, send, {@code logs -f},
 * pause, resume, remix, delete and purge, each checked in the CLI's output and on the cluster.
 *
 * <p>Runs only with {@code -Pcluster-it} and {@code PILOTHOUSE_IT_KUBECONFIG} set; skipped, saying
 * so, without it. The commands run in this JVM on one engine for the data dir, as the engine host
 * runs the commands typed in a shell. docs/kubernetes.md, "Testing against a real cluster", says how
 * to run it and what it needs (the agent image loaded into the cluster).
 */
@EnabledIfEnvironmentVariable(named = ClusterUnderTest.KUBECONFIG, matches = ".*\\S.*",
        disabledReason = ClusterUnderTest.KUBECONFIG + " is not set: no cluster to run against "
                + "(docs/kubernetes.md, Testing against a real cluster)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionLifecycleClusterIT {
    @TempDir
    Path dataDir;
    private ClusterUnderTest cluster;
    private Engine engine;
    private CliHarness cli;
    private String image;
    private String kubeconfigBefore;

    @BeforeAll
    void connect() throws IOException {
        cluster = ClusterUnderTest.connect();
        // the runtime finds the kubeconfig as fabric8 does: this property first, then KUBECONFIG
        kubeconfigBefore = System.setProperty("kubeconfig", cluster.kubeconfig.toString());
        String wanted = ClusterUnderTest.env(ClusterUnderTest.IMAGE, null);
        if (wanted != null) {
            // as an operator sets it: kubernetes.yaml in the data dir (a JSON string is YAML)
            Files.writeString(dataDir.resolve(KubernetesSettings.FILE), "defaultImage: " + Json.MAPPER.writeValueAsString(wanted)
                    + "\n");
        }
        image = KubernetesSettings.load(dataDir, cluster.context).defaultImage();
        // one engine serving every command, as the engine host serves a shell's; a start may take as
        // long as the cluster may (an image pull)
        engine = Engine.open(EngineConfig.of(dataDir).withBackground(true).withStartTimeout(cluster.timeout));
        cli = new CliHarness(dataDir);
    }

    /** Whatever the test left: the engine first (it watches the namespace), then the namespace or the sessions' objects. */
    @AfterAll
    void cleanUp() {
        try {
            if (engine != null) {
                engine.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (kubeconfigBefore == null) {
                System.clearProperty("kubeconfig");
            } else {
                System.setProperty("kubeconfig", kubeconfigBefore);
            }
        }
    }

    @Test
    void createSendFollowPauseResumeRemixDeleteAndPurge() {
        // unique: a namespace given with PILOTHOUSE_IT_NAMESPACE may hold sessions of earlier runs
        String name = "it-" + UUID.randomUUID().toString().substring(0, 8);

        // create: READY once the pod runs the image and the agent answers /healthz through a port-forward
        String id = create(name);
        Pod pod = cluster.pod(id);
        PersistentVolumeClaim claim = cluster.claim(id);
        assertThat(pod).as("the session's pod").isNotNull();
        assertThat(pod.getSpec().getContainers()).extracting(Container::getImage).containsExactly(image);
        assertThat(claim).as("the session's PVC").isNotNull();
        assertThat(cluster.secret(id)).as("the agents' tokens").isNotNull();
        assertThat(cluster.policy(id)).as("the NetworkPolicy").isNotNull();

        // send: the reference agent runs a `$ ` message with sh in the workspace, the PVC
        assertThat(ok("sessions", "send", name, "$ echo hello | tee hello.txt")).contains("hello").contains("exit code 0");

        // logs -f: the container's log through the API server, followed until the session is paused
        StringWriter followed = new StringWriter();
        StringWriter followErr = new StringWriter();
        List<String> followArgs = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        followArgs.addAll(onCluster("sessions", "logs", "-f", name));
        CompletableFuture<Integer> follow = CompletableFuture.supplyAsync(() -> Cli.run(followArgs.toArray(String[]::new),
                new PrintWriter(followed, true), new PrintWriter(followErr, true)));
        cluster.eventually().alias("the agent's first log line")
                .until(() -> followed.toString().contains("reference agent 'reference' listening on") || follow.isDone());
        assertThat(follow).as("logs -f follows; its stderr: %s", followErr).isNotDone();

        // pause: IDLE, the pod deleted, the volume kept; the follow stops, exit 0
        ok("sessions", "pause", name);
        cluster.eventually().alias("logs -f to stop once the session is paused").until(follow::isDone);
        assertThat(follow.join()).as("logs -f exit code; its stderr: %s", followErr).isZero();
        assertThat(followed.toString()).contains("--- stopped following: session '" + name + "' is IDLE (paused)");
        assertThat(show(name).get("state").asText()).isEqualTo("IDLE");
        cluster.eventually().alias("the paused session's pod to be gone").until(() -> cluster.pod(id) == null);
        assertThat(cluster.claim(id)).as("pause keeps the PVC").isNotNull()
                .satisfies(c -> assertThat(c.getMetadata().getUid()).isEqualTo(claim.getMetadata().getUid()));

        // resume: a new pod on the same PVC, the file written before the pause still there
        ok("sessions", "resume", name);
        assertThat(show(name).get("state").asText()).isEqualTo("READY");
        assertThat(cluster.pod(id)).as("a new pod").isNotNull()
                .satisfies(p -> assertThat(p.getMetadata().getUid()).isNotEqualTo(pod.getMetadata().getUid()));
        assertThat(ok("sessions", "send", name, "$ cat hello.txt")).as("the workspace after resume").contains("hello");

        // remix: a child READY on a new PVC filled from the parent's (by the copy pod, gone afterwards)
        String childName = name + "-remix";
        JsonNode child = started(run("sessions", "remix", name, "--name", childName, "-o", "json"));
        String childId = child.get("id").asText();
        assertThat(child.get("parent_session_id").asText()).isEqualTo(id);
        assertThat(cluster.claim(childId)).as("the child's PVC").isNotNull();
        assertThat(ok("sessions", "send", childName, "$ cat hello.txt")).as("the copied workspace").contains("hello");
        cluster.eventually().alias("the copy pod to be gone").until(() -> cluster.copyPod(childId) == null);

        // delete is soft (the pods go, the PVCs stay); purge removes PVC, Secret and NetworkPolicy
        ok("sessions", "delete", name, childName);
        for (String s : List.of(id, childId)) {
            cluster.eventually().alias("the deleted session's pod to be gone").until(() -> cluster.pod(s) == null);
            assertThat(cluster.claim(s)).as("delete keeps the PVC").isNotNull();
            ok("sessions", "purge", s, "--yes");
        }
        for (String s : List.of(id, childId)) {
            cluster.eventually().untilAsserted(() -> assertThat(cluster.objects(s)).as("left after purge").isEmpty());
        }
    }

    /** {@code sessions create} with the reference agent: it returns once the session is READY, or failed to start. */
    private String create(String name) {
        // the reference agent exits after its waiting timeout without a message (300 s by default): not in this test
        return started(run("sessions", "create", name, "--agent", "reference", "--waiting-timeout", "1h", "-o", "json"))
                .get("id").asText();
    }

    /** The session a create or remix (with {@code -o json}) printed, READY; tracked for clean-up even when it is not. */
    private JsonNode started(CliHarness.Result r) {
        JsonNode s = r.out().isBlank() ? null : Json.parse(r.out());
        if (s != null) {
            cluster.track(s.get("id").asText());
        }
        assertThat(r.exit()).as("%s (is the image %s in the cluster, or can it pull it?)", r.err(), image).isZero();
        assertThat(s.get("state").asText()).isEqualTo("READY");
        return s;
    }

    private JsonNode show(String session) {
        return Json.parse(ok("sessions", "show", session, "-o", "json"));
    }

    /** Runs a command that must succeed; its output. */
    private String ok(String... command) {
        CliHarness.Result r = run(command);
        assertThat(r.exit()).as("pilothouse %s: %s", String.join(" ", command), r.err()).isZero();
        return r.out();
    }

    private CliHarness.Result run(String... command) {
        return cli.run(onCluster(command).toArray(String[]::new));
    }

    /** The command in the cluster's context and namespace, as an operator gives them. */
    private List<String> onCluster(String... command) {
        List<String> args = new ArrayList<>(List.of("--context", cluster.context, "--namespace", cluster.namespace));
        args.addAll(List.of(command));
        return args;
    }
}
