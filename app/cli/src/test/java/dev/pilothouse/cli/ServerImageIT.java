package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server's container image as far as this machine can check it without a container engine:
 * its build context (target/server-image, laid out by the package phase) holds the CLI, the server
 * and both runtimes and no JavaFX or console jar; the Dockerfile copies it where the entrypoint
 * looks; the entrypoint's launcher names a main class those jars have; and that entrypoint, run on
 * those jars with the image's command, serves the API, takes a token made by a second process
 * (as {@code kubectl exec deploy/pilothouse -- pilothouse tokens create}) and stops on SIGTERM.
 */
class ServerImageIT {
    private static final Path ROOT = Path.of(System.getProperty("pilothouse.root", "../.."));
    private static final Path CONTEXT = ROOT.resolve("target/server-image");
    private static final String IMAGE_HOME = "/opt/pilothouse";

    @TempDir
    Path dataDir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theContextHasTheServerAndNoJavaFx() throws IOException {
        List<String> jars = jars();
        assertThat(jars).anyMatch(j -> j.startsWith("pilothouse-cli-")).anyMatch(j -> j.startsWith("pilothouse-server-"))
                .anyMatch(j -> j.startsWith("pilothouse-runtime-local-"))
                .anyMatch(j -> j.startsWith("pilothouse-runtime-kubernetes-"));
        assertThat(jars).as("no JavaFX and no console in the server image")
                .noneMatch(j -> j.matches("(javafx|controlsfx|atlantafx|ikonli|pilothouse-console).*"));
        String dockerfile = Files.readString(ROOT.resolve("packaging/server-image/Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^COPY bin/ " + IMAGE_HOME + "/bin/$")
                .containsPattern("(?m)^COPY lib/ " + IMAGE_HOME + "/lib/$");
        assertThat(dockerfile).as("not root").containsPattern("(?m)^USER 10001:10001$");
    }

    @Test
    void theEntrypointsMainClassIsOnTheImagesClassPathWithoutJavaFx() throws Exception {
        String mainClass = mainClassOf(launcher());
        URL[] urls;
        try (Stream<Path> files = Files.list(CONTEXT.resolve("lib"))) {
            urls = files.map(ServerImageIT::url).toArray(URL[]::new);
        }
        // the platform loader as parent: nothing of this test's own class path is seen
        try (URLClassLoader image = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            Method main = Class.forName(mainClass, false, image).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
            assertThat(loadable("javafx.application.Platform", image)).isFalse();
            assertThat(loadable("dev.pilothouse.console.ConsoleApp", image)).isFalse();
        }
    }

    @Test
    void theEntrypointServesOnThoseJarsTakesATokenFromTheCliAndStopsOnSigterm() throws Exception {
        int port = freePort();
        List<String> serve = new ArrayList<>(entrypointCommand());
        serve.addAll(words(dockerInstruction("CMD")));
        assertThat(serve.get(serve.size() - 1)).isEqualTo("serve");
        serve.addAll(List.of("--listen", "127.0.0.1:" + port));
        Path serveLog = dataDir.resolve("serve.out");
        Process server = start(serve, serveLog);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String api = "http://127.0.0.1:" + port + "/api/v0";
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            if (!server.isAlive()) { // not retried: it will not come back
                throw new IllegalStateException("serve exited " + server.exitValue() + ": " + read(serveLog));
            }
            assertThat(health(http, api)).isEqualTo(200);
        });

        List<String> tokens = new ArrayList<>(entrypointCommand());
        tokens.addAll(List.of("tokens", "create", "image-it"));
        Path tokenOut = dataDir.resolve("token.out");
        Process cli = start(tokens, tokenOut);
        assertThat(cli.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).as(read(tokenOut)).isZero();
        String token = read(tokenOut).lines().filter(l -> l.startsWith("ph_")).findFirst().orElseThrow();

        assertThat(get(http, api + "/sessions", null).statusCode()).isEqualTo(401);
        HttpResponse<String> sessions = get(http, api + "/sessions", token);
        assertThat(sessions.statusCode()).isEqualTo(200);
        assertThat(Json.parse(sessions.body()).get("items").isArray()).isTrue();

        server.destroy(); // SIGTERM, as the kubelet and systemd stop it
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("stopped within the grace; output: %s", read(serveLog)).isTrue();
        assertThat(server.exitValue()).isIn(0, 143);
        assertThat(read(serveLog)).contains("stop with Ctrl+C or SIGTERM");
    }

    /** The entrypoint as this machine runs it: no tini (it only forwards signals), the launcher from the context. */
    private static List<String> entrypointCommand() throws IOException {
        List<String> words = words(dockerInstruction("ENTRYPOINT"));
        assertThat(words.subList(0, 2)).as("tini as PID 1").containsExactly("/usr/bin/tini", "--");
        assertThat(words).hasSize(3);
        assertThat(words.get(2)).isEqualTo(IMAGE_HOME + "/bin/pilothouse");
        return List.of(launcher().toAbsolutePath().toString());
    }

    private static Path launcher() {
        Path script = CONTEXT.resolve("bin/pilothouse");
        assertThat(Files.isExecutable(script)).as("%s executable", script).isTrue();
        return script;
    }

    /** The class the launcher runs on {@code lib/*}. */
    static String mainClassOf(Path script) throws IOException {
        String joined = Files.readString(script).replaceAll("\\\\\\R\\s*", " ");
        Matcher m = Pattern.compile("-cp \"\\$APP_HOME/lib/\\*\" ([\\w.]+)").matcher(joined);
        assertThat(m.find()).as("a main class after -cp \"$APP_HOME/lib/*\" in %s", script).isTrue();
        return m.group(1);
    }

    /** The exec form (a JSON array, continued over lines with a backslash) of one Dockerfile instruction. */
    static JsonNode dockerInstruction(String instruction) throws IOException {
        String joined = Files.readString(ROOT.resolve("packaging/server-image/Dockerfile")).replaceAll("\\\\\\R\\s*", " ");
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(\\[.*])\\s*$").matcher(joined);
        assertThat(m.find()).as("an exec-form %s", instruction).isTrue();
        return Json.parse(m.group(1));
    }

    private static List<String> words(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(w -> out.add(w.asText()));
        return out;
    }

    private Process start(List<String> command, Path output) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command).directory(dataDir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> env = b.environment();
        env.keySet().removeIf(k -> k.startsWith("PILOTHOUSE_") || k.startsWith("KUBERNETES_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // as the image's ENV says, with this test's data dir; no kubeconfig of this machine's user
        env.put("PILOTHOUSE_HOME", dataDir.toString());
        env.put("HOME", dataDir.toString());
        env.put("KUBECONFIG", dataDir.resolve("no-kubeconfig").toString());
        Process p = b.start();
        p.getOutputStream().close();
        started.add(p);
        return p;
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The health endpoint's status, or -1 while nothing listens yet. */
    private static int health(HttpClient http, String api) throws Exception {
        try {
            return get(http, api + "/health", null).statusCode();
        } catch (java.net.ConnectException notYet) {
            return -1;
        }
    }

    private static List<String> jars() throws IOException {
        try (Stream<Path> files = Files.list(CONTEXT.resolve("lib"))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static boolean loadable(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(nothing yet)";
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }
}
