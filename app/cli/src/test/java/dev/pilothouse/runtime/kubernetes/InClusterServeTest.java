package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.cli.Cli;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.host.EngineHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code pilothouse serve} in a pod ({@link PodServiceAccount}): the engine it hosts starts in the
 * context {@code in-cluster}, which the REST API's requests use when they name none, and CLI
 * commands handed to it ({@code kubectl exec deploy/pilothouse -- pilothouse ...}) default to it too.
 */
class InClusterServeTest {
    private static final String POD_NS = "agents-prod";

    @TempDir
    Path dataDir;
    @TempDir
    Path saDir;
    @TempDir
    Path volumes;

    private record Ran(int exit, String out, String err) {
    }

    private Ran cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Ran(code, out.toString(), err.toString());
    }

    @Test
    void theServersEngineAndItsCommandsWorkInTheClusterUnlessToldOtherwise() {
        FakeCluster cluster = new FakeCluster(true);
        FakeKubelet kubelet = new FakeKubelet(cluster, volumes, Clock.systemUTC());
        EngineHost host = null;
        try (PodServiceAccount pod = new PodServiceAccount(cluster, saDir, POD_NS)) {
            host = EngineHost.open(EngineConfig.of(dataDir), EngineHost.Kind.SERVE);
            assertThat(host.engine().context()).isEqualTo("in-cluster");
            assertThat(host.engine().namespace()).isEqualTo(POD_NS);

            Ran contexts = cli("contexts");
            assertThat(contexts.exit()).as(contexts.err()).isZero();
            assertThat(contexts.out()).containsPattern("\\* in-cluster\\s+" + POD_NS).contains("  local ")
                    .doesNotContain("kubeconfig current-context");

            Ran created = cli("sessions", "create", "from-exec", "--agent", "reference");
            assertThat(created.exit()).as(created.err()).isZero();
            assertThat(cluster.directClient().pods().inNamespace(POD_NS).list().getItems()).hasSize(1);
            assertThat(cli("sessions", "list").out()).contains("from-exec");
            assertThat(cli("--context", "local", "sessions", "list").out()).doesNotContain("from-exec");
        } finally {
            if (host != null) {
                host.close();
            }
            kubelet.close();
            cluster.close();
        }
    }

    @Test
    void serveTakesTheContextItIsGivenAsTheDefault() throws Exception {
        FakeCluster cluster = new FakeCluster(true);
        FakeKubelet kubelet = new FakeKubelet(cluster, volumes, Clock.systemUTC());
        try (PodServiceAccount pod = new PodServiceAccount(cluster, saDir, POD_NS)) {
            Ran refused = cli("--context", "no-such", "serve", "--listen", "127.0.0.1:0");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("no-such").contains("in-cluster").contains("local");

            StringWriter err = new StringWriter();
            Thread serve = new Thread(() -> Cli.run(new String[] {"--data-dir", dataDir.toString(), "--context", "local",
                    "serve", "--listen", "127.0.0.1:0"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)));
            serve.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> err.toString().contains("pilothouse serve: http"));
                Matcher url = Pattern.compile("pilothouse serve: (http://\\S+/api/v0)").matcher(err.toString());
                assertThat(url.find()).isTrue();
                Ran token = cli("tokens", "create", "script");
                assertThat(token.exit()).as(token.err()).isZero();
                HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(url.group(1) + "/sessions?wait=ready"))
                        .header("Authorization", "Bearer " + token.out().trim()).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"on-the-workstation\",\"agents\":[\"reference\"]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                assertThat(created.body()).contains("\"context\":\"local\"").contains("\"state\":\"READY\"");
                assertThat(cluster.directClient().pods().inNamespace(POD_NS).list().getItems()).isEmpty();
                // CLI commands beside it keep their own default (in-cluster in a pod): --context says otherwise
                assertThat(cli("sessions", "list").out()).doesNotContain("on-the-workstation");
                assertThat(cli("--context", "local", "sessions", "delete", "on-the-workstation").exit()).isZero();
            } finally {
                serve.interrupt();
                serve.join(Duration.ofSeconds(60).toMillis());
            }
            assertThat(serve.isAlive()).isFalse();
        } finally {
            kubelet.close();
            cluster.close();
        }
    }
}
