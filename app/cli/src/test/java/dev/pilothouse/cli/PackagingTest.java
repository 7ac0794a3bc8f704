package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pilothouse.server.ServerOptions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What packaging/ says about {@code pilothouse serve} holds for the product: the systemd unit, the
 * server image and the Kubernetes manifests give serve only options it has, the Role grants
 * exactly the README's minimal permissions, and the manifests fit together (account, selectors,
 * ports, probes, volume, the image's user and data dir). No cluster checks them here: fabric8's
 * model reads each object, and a field it does not know fails the test.
 */
class PackagingTest {
    private static final Path ROOT = Path.of(System.getProperty("pilothouse.root", "../.."));
    private static final Path K8S = ROOT.resolve("packaging/kubernetes");
    private static final YAMLMapper YAML = new YAMLMapper();
    /** How long the engine host lets running CLI commands finish on a stop (EngineHost.GRACE). */
    private static final long COMMAND_GRACE_SECONDS = 30;
    private static final String HEALTH = "/api/v0/health";

    @Test
    void theRoleGrantsExactlyTheReadmesMinimalPermissionsToTheServersAccount() throws IOException {
        JsonNode readmeRole = readmeYaml().stream().filter(d -> d.path("kind").asText().equals("Role")).findFirst()
                .orElseThrow();
        JsonNode role = manifest("role.yaml");
        assertThat(role.get("rules")).isEqualTo(readmeRole.get("rules"));

        JsonNode binding = manifest("rolebinding.yaml");
        assertThat(binding.at("/roleRef/kind").asText()).isEqualTo("Role");
        assertThat(binding.at("/roleRef/name").asText()).isEqualTo(role.at("/metadata/name").asText());
        String account = manifest("serviceaccount.yaml").at("/metadata/name").asText();
        assertThat(binding.get("subjects")).hasSize(1);
        assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("ServiceAccount");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(account);
        assertThat(pod().path("serviceAccountName").asText()).isEqualTo(account);
        assertThat(pod().path("automountServiceAccountToken").asBoolean()).isTrue();
    }

    @Test
    void oneServerPodAtATimeServesTheApiOnItsPortWithItsDataDirOnTheClaim() throws IOException {
        JsonNode deployment = manifest("deployment.yaml");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("Recreate");

        JsonNode container = container();
        ParseResult serve = parse(words(container.get("args")));
        String listen = serve.matchedOptionValue("--listen", "");
        boolean tls = serve.hasMatchedOption("--tls-cert") && serve.hasMatchedOption("--tls-key");
        assertThat(listen).isEqualTo("0.0.0.0:7780");
        assertThat(tls || serve.hasMatchedOption("--insecure")).as("beyond loopback only with TLS or --insecure").isTrue();
        ServerOptions options = ServerOptions.listen(listen).withInsecure(serve.hasMatchedOption("--insecure"));
        options.check();

        assertThat(container.at("/ports/0/name").asText()).isEqualTo("api");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(options.port());
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/path").asText()).as(probe).isEqualTo(HEALTH);
            assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("api");
            assertThat(container.at("/" + probe + "/httpGet/scheme").asText("HTTP")).as(probe).isEqualTo(tls ? "HTTPS" : "HTTP");
        }
        JsonNode service = manifest("service.yaml");
        assertThat(service.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(ServerOptions.DEFAULT_PORT);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("api");

        JsonNode labels = deployment.at("/spec/template/metadata/labels");
        assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(service.at("/spec/selector")).isEqualTo(labels);
        // the runtime's informers take pods and PVCs with this label for sessions' own
        assertThat(labels.has("app.kubernetes.io/managed-by")).isFalse();
        JsonNode claim = manifest("pvc.yaml");
        assertThat(claim.at("/metadata/labels").has("app.kubernetes.io/managed-by")).isFalse();
        assertThat(words(claim.at("/spec/accessModes"))).containsExactly("ReadWriteOnce");

        String dockerfile = Files.readString(ROOT.resolve("packaging/server-image/Dockerfile"));
        String dataDir = match(dockerfile, "PILOTHOUSE_HOME=(\\S+)");
        JsonNode dataMount = find(container.get("volumeMounts"), "mountPath", dataDir);
        JsonNode dataVolume = find(pod().get("volumes"), "name", dataMount.get("name").asText());
        assertThat(dataVolume.at("/persistentVolumeClaim/claimName").asText()).isEqualTo(claim.at("/metadata/name").asText());
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(find(container.get("volumeMounts"), "mountPath", "/tmp")).isNotNull();

        JsonNode security = pod().get("securityContext");
        assertThat(security.get("runAsNonRoot").asBoolean()).isTrue();
        assertThat(security.get("runAsUser").asText() + ":" + security.get("runAsGroup").asText())
                .isEqualTo(match(dockerfile, "(?m)^USER (\\d+:\\d+)$"));
        assertThat(pod().get("terminationGracePeriodSeconds").asLong())
                .isGreaterThan(options.grace().toSeconds() + COMMAND_GRACE_SECONDS);
    }

    @Test
    void theImageIsTheServerImageAndTheKustomizationHasEveryManifest() throws IOException {
        JsonNode kustomization = manifest("kustomization.yaml");
        List<String> files;
        try (Stream<Path> all = Files.list(K8S)) {
            files = all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml")).sorted().toList();
        }
        assertThat(words(kustomization.get("resources"))).containsExactlyInAnyOrderElementsOf(files);
        String image = container().get("image").asText();
        assertThat(image).startsWith(kustomization.at("/images/0/name").asText() + ":");
        assertThat(ROOT.resolve("packaging/server-image/Dockerfile")).content().contains("-t " + image + " ");
    }

    @Test
    void everyManifestIsAKubernetesObjectWithOnlyFieldsKubernetesKnows() throws IOException {
        try (Stream<Path> all = Files.list(K8S)) {
            for (Path f : all.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                if (f.getFileName().toString().equals("kustomization.yaml")) {
                    continue;
                }
                HasMetadata object = Serialization.unmarshal(Files.readString(f));
                assertThat(object.getClass().getSimpleName()).as(f.toString()).isEqualTo(manifest(f.getFileName().toString())
                        .get("kind").asText());
                List<String> unknown = new ArrayList<>();
                unknownFields(object, object.getKind(), unknown);
                assertThat(unknown).as("fields Kubernetes does not know in %s", f).isEmpty();
                assertThat(object.getMetadata().getNamespace()).as("the namespace is kustomization.yaml's").isNull();
            }
        }
    }

    @Test
    void theSystemdUnitRunsTheInstalledLauncherWithServeAndStopsItWithSigtermInTime() throws IOException {
        String unit = Files.readString(ROOT.resolve("packaging/systemd/pilothouse.service"));
        List<String> exec = Arrays.asList(setting(unit, "ExecStart").split("\\s+"));
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains("sudo ln -s " + exec.get(0) + " ");
        ParseResult serve = parse(exec.subList(1, exec.size()));
        String listen = serve.matchedOptionValue("--listen", "127.0.0.1:" + ServerOptions.DEFAULT_PORT);
        ServerOptions options = ServerOptions.listen(listen);
        assertThat(options.host()).as("the user's own server: loopback").isEqualTo("127.0.0.1");

        assertThat(setting(unit, "Restart")).isEqualTo("on-failure");
        assertThat(setting(unit, "KillSignal")).isEqualTo("SIGTERM");
        assertThat(setting(unit, "KillMode")).as("local agents outlive the engine").isEqualTo("process");
        assertThat(Long.parseLong(setting(unit, "TimeoutStopSec")))
                .isGreaterThan(options.grace().toSeconds() + COMMAND_GRACE_SECONDS);
        assertThat(setting(unit, "SuccessExitStatus")).contains("143");
        assertThat(setting(unit, "WantedBy")).isEqualTo("default.target");
    }

    @Test
    void theImagesDefaultCommandIsServeOnLoopback() throws IOException {
        JsonNode cmd = ServerImageIT.dockerInstruction("CMD");
        ParseResult serve = parse(words(cmd));
        assertThat(serve.hasMatchedOption("--listen")).isFalse();
        assertThat(ServerOptions.listen("127.0.0.1:" + ServerOptions.DEFAULT_PORT).host()).isEqualTo("127.0.0.1");
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Parses as the CLI does, without running: an option serve does not have fails here. */
    private static ParseResult parse(List<String> args) {
        assertThat(args).isNotEmpty();
        ParseResult root = new CommandLine(new Cli()).parseArgs(args.toArray(String[]::new));
        assertThat(root.subcommand()).isNotNull();
        assertThat(root.subcommand().commandSpec().name()).isEqualTo("serve");
        return root.subcommand();
    }

    private static JsonNode manifest(String file) throws IOException {
        return YAML.readTree(K8S.resolve(file).toFile());
    }

    private static JsonNode pod() throws IOException {
        return manifest("deployment.yaml").at("/spec/template/spec");
    }

    private static JsonNode container() throws IOException {
        JsonNode containers = pod().get("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** The documents of the README's first YAML block that has a Role. */
    private static List<JsonNode> readmeYaml() throws IOException {
        Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(Files.readString(ROOT.resolve("README.md")));
        while (m.find()) {
            if (m.group(1).contains("kind: Role\n")) {
                try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(m.group(1))) {
                    return docs.readAll();
                }
            }
        }
        throw new AssertionError("no YAML block with a Role in the README");
    }

    private static List<String> words(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(w -> out.add(w.asText()));
        return out;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (n.path(field).asText().equals(value)) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + " " + value + " in " + array);
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return m.group(1);
    }

    /** A unit file's setting (the last one of that name). */
    private static String setting(String unit, String name) {
        String value = null;
        for (String line : unit.split("\n")) {
            if (line.startsWith(name + "=")) {
                value = line.substring(name.length() + 1).strip();
            }
        }
        assertThat(value).as(name).isNotNull();
        return value;
    }

    /** Where fabric8's model kept a field it has no property for (its additionalProperties). */
    private static void unknownFields(Object o, String path, List<String> out) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = g.invoke(o);
                if (g.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        out.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(value, path + "." + g.getName().substring(3), out);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(g.toString(), e);
            }
        }
    }
}
